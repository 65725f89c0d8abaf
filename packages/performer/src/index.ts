export {
  PerformerAttention,
  performerChunkSize,
  type PerformerOptions,
  type PerformerState,
} from './performer-attention.js';
export { drawOrthogonalFeatures } from './orthogonal-features.js';
export { favorLogits, favorFeatures, favorQueryFeatures, favorKeyFeatures } from './favor-features.js';
export { PERFORMER_NAMES } from './register.js';
