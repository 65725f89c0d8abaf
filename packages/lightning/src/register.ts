import { parameterCounts, registerAttentionLayer } from '@tost/attention';
import {
  DEFAULT_BLOCK_SIZE,
  LightningAttention,
  type LightningAttentionOptions,
} from './lightning-attention.js';

/** Name under which `createAttention` builds a LightningAttention. */
export const LIGHTNING_ATTENTION_NAME = 'lightning';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    lightning: LightningAttentionOptions;
  }
}

registerAttentionLayer(LIGHTNING_ATTENTION_NAME, LightningAttention, {
  description: 'Lightning Attention-2: causal decayed linear attention, block-wise, streaming, O(N)',
  family: 'linear',
  paper: {
    title:
      'Lightning Attention-2: A Free Lunch for Handling Unlimited Sequence Lengths in Large Language Models',
    arxiv: '2401.04658',
    citation: 'Qin et al., 2024',
  },
  options: {
    blockSize: {
      type: 'integer',
      greaterThan: 0,
      default: DEFAULT_BLOCK_SIZE,
      description: 'tokens per block: masked b×b product inside, carried [p, p] state across blocks',
    },
  },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});
