export { GatedLinearAttention, type GLAOptions, type GLAState } from './gla.js';
export { gatedLinearAttention, type GatedLinearAttentionOptions } from './gated-linear-attention.js';
export { gatedLinearAttentionNaive } from './naive.js';
export { glaRecurrentStep } from './recurrent.js';
export { chunkCore, unpackChunkCore } from './chunk-core.js';
export {
  glaChunkSize,
  GLA_GATE_RANK,
  GLA_GATE_TEMPERATURE,
  GLA_NORM_EPSILON,
  MIN_LOG_GATE,
} from './constants.js';
export { GLA_ATTENTION_NAME } from './register.js';
