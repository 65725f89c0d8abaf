export {
  SoftmaxAttention,
  scaledDotProductAttention,
  type SoftmaxAttentionOptions,
} from './softmax-attention.js';
export { MSSA } from './mssa.js';
export { fusedSoftmaxAttention } from './fused-attention.js';
export { SOFTMAX_ATTENTION_NAMES } from './register.js';
