export { SelectiveAttention } from './selective-attention.js';
export { fusedSelectiveAttention } from './fused-selective.js';
export { selectiveAttentionReference } from './selective-reference.js';
export { SELECTIVE_ATTENTION_NAME } from './register.js';
