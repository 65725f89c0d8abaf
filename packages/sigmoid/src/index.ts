export { SigmoidAttention, type SigmoidAttentionOptions } from './sigmoid-attention.js';
export { sigmoidAttention, type SigmoidCoreOptions } from './sigmoid-core.js';
export { sigmoidAttentionReference } from './sigmoid-reference.js';
export { SIGMOID_ATTENTION_NAMES } from './register.js';
