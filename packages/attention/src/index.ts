export { AttentionLayer, type AttentionCallKwargs, type AttentionLayerTraits } from './attention-layer.js';
export {
  ProjectedAttention,
  type ProjectionLayout,
  type ProjectionRole,
  type ProjectedHeads,
} from './projected-attention.js';
export type {
  AttentionComplexity,
  AttentionContext,
  AttentionDescriptor,
  AttentionOptionSpec,
  AttentionPaper,
  ParameterCountOptions,
  RegisteredAttention,
} from './descriptor.js';
export {
  validateAttentionOptions,
  rejectUnknownOptions,
  isPositiveInteger,
  describeValue,
  COMMON_OPTION_NAMES,
  type AttentionOptions,
  type LayerBaseArgs,
  type ValidatedAttentionOptions,
} from './options.js';
export {
  registerAttention,
  createAttention,
  resolveAttentionOptions,
  getAttentionDescriptor,
  listAttentions,
  listAttentionNames,
  isAttentionRegistered,
  noWeightDecayPattern,
  type AttentionFactory,
  type AttentionOptionsByName,
  type OptionsFor,
} from './registry.js';
export {
  describeAttentionLayer,
  registerAttentionLayer,
  type AttentionLayerClass,
  type AttentionLayerDescriptor,
} from './register-layer.js';
export {
  isStreamingAttention,
  canPrefill,
  stateTensors,
  validateStepInput,
  validateInitStateBatch,
  type StreamingAttention,
} from './streaming.js';
export {
  createStreamingState,
  disposeStreamingState,
  validateStreamingState,
  describeStateSpec,
  type StateDim,
  type StateEntrySpec,
  type StateSpec,
  type StateSize,
  type StateSizes,
  type StateTensors,
  type StreamingState,
} from './streaming-state.js';
export { StreamingProjectedAttention, type StepResult } from './streaming-attention.js';
export {
  RATE_REDUCTION_PROJECTIONS,
  isRateReductionAttention,
  type RateReductionAttention,
  type RateReductionIntermediates,
  type RateReductionKind,
} from './rate-reduction.js';
export { splitHeads, mergeHeads } from './heads.js';
export { denseTokens } from './dense.js';
// Every mask helper is public.
export * from './mask.js';
export { parameterCounts } from './parameter-counts.js';
