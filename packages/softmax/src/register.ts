import { registerAttention } from '@tost/attention';
import { SoftmaxAttention } from './softmax-attention.js';
import { MSSA } from './mssa.js';

/** Names under which this package's variants can be created with `createAttention`. */
export const SOFTMAX_ATTENTION_NAMES = ['softmax', 'softmax-causal', 'mssa'] as const;

registerAttention('softmax', (options) => new SoftmaxAttention(options));
registerAttention('softmax-causal', (options) => new SoftmaxAttention({ ...options, causal: true }));
registerAttention('mssa', (options) => new MSSA(options));
