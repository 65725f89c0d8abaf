export { LinearAttention, LINEAR_EPSILON, type LinearAttentionOptions } from './linear-attention.js';
export {
  NormLinearAttention,
  NORM_EPSILON,
  type NormLinearAttentionOptions,
} from './norm-linear-attention.js';
export { eluFeatureMap } from './elu-feature-map.js';
export { CAUSAL_CHUNK, type EluLinearOptions } from './elu-linear-base.js';
export type { LinearAttentionState } from './linear-state.js';
export { LINEAR_ATTENTION_NAMES } from './register.js';
