export { AttentionLayer, type AttentionCallKwargs, type AttentionComplexity } from './attention-layer.js';
export {
  validateAttentionOptions,
  isPositiveInteger,
  type AttentionOptions,
  type ValidatedAttentionOptions,
} from './options.js';
export {
  registerAttention,
  createAttention,
  listAttentions,
  isAttentionRegistered,
  type AttentionFactory,
} from './registry.js';
export { splitHeads, mergeHeads } from './heads.js';
export { denseTokens } from './dense.js';
export { matMul2d, batchMatMul } from './fast-matmul.js';
export { validateMask, tokenMask, headTokenMask, keyMaskBias, causalMaskBias, MASKED_SCORE } from './mask.js';
