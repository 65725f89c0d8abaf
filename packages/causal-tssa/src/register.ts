import { registerAttention } from '@tost/attention';
import { CausalTSSA, type CausalTSSAOptions } from './causal-tssa.js';

/** Name under which `createAttention` builds a CausalTSSA (options must include `maxLength`). */
export const CAUSAL_TSSA_ATTENTION_NAME = 'causal-tssa';

registerAttention(CAUSAL_TSSA_ATTENTION_NAME, (options) => new CausalTSSA(options as CausalTSSAOptions));
