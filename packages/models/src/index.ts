import './register-variants.js';
export { TokenEmbedding, embeddingLookup, type TokenEmbeddingOptions } from './layers/token-embedding.js';
export { ClsToken, type ClsTokenOptions } from './layers/cls-token.js';
export { PaddingMask, type PaddingMaskOptions } from './layers/padding-mask.js';
export {
  LearnedPositionalEmbedding,
  type LearnedPositionalEmbeddingOptions,
} from './layers/learned-positional-embedding.js';
export {
  SinusoidalPositionalEncoding,
  SinusoidalPositions2D,
  sinusoidalTable1D,
  sinusoidalTable2D,
  type SinusoidalPositionalEncodingOptions,
  type SinusoidalPositions2DOptions,
} from './layers/sinusoidal-positions.js';
export { LayerScale, defaultLayerScale, type LayerScaleOptions } from './layers/layer-scale.js';
export { DropPath, type DropPathOptions } from './layers/drop-path.js';
export { TokenPooling, type PoolingMode, type TokenPoolingOptions } from './layers/token-pooling.js';
export { TokenRange, type TokenRangeOptions } from './layers/token-range.js';
export { ISTA, type ISTAOptions } from './layers/ista.js';
export { ClassAttention, type ClassAttentionOptions } from './layers/class-attention.js';
export { StridedConv3x3, type StridedConv3x3Options } from './layers/strided-conv.js';
export { PatchExtraction, type PatchExtractionOptions } from './layers/patch-extraction.js';
export { PairCombination, type PairCombine } from './layers/pair-combination.js';
export { LayerCache } from './generation/layer-cache.js';
export {
  createAttentionForSlot,
  type AttentionSpec,
  type AttentionSlotOptions,
} from './blocks/attention-slot.js';
export { toSTBlock, mlp, residualBranch, type ToSTBlockOptions } from './blocks/tost-block.js';
export { crateBlock, type CrateBlockOptions } from './blocks/crate-block.js';
export { classAttentionBlock, type ClassAttentionBlockOptions } from './blocks/class-attention-block.js';
export {
  classAttentionPooling,
  type ClassAttentionPoolingOptions,
} from './blocks/class-attention-pooling.js';
export {
  blockStack,
  validateBlockStack,
  attentionPerBlock,
  type AttentionStackSpec,
  type BlockKind,
  type BlockStackOptions,
} from './blocks/encoder.js';
export { ShortConvolution, type ShortConvolutionOptions } from './layers/short-convolution.js';
export { buildTokenClassifier, type TokenClassifierOptions } from './builders/token-classifier.js';
export { tokenCrossEntropy, tokenAccuracyCounts, IGNORE_LABEL } from './builders/token-loss.js';
export {
  buildSequenceClassifier,
  textEncoder,
  type SequenceClassifierOptions,
  type TextEncoderOptions,
  type PositionalKind,
  type SequencePooling,
} from './builders/sequence-classifier.js';
export { type BuildOptions, type ClassifierOutput } from './builders/build-options.js';
export {
  buildDualEncoderClassifier,
  type DualEncoderClassifierOptions,
} from './builders/dual-encoder-classifier.js';
export { buildCausalLM, CAUSAL_LM_LAYERS, type CausalLMOptions } from './builders/causal-lm.js';
export { generate, sampleToken, type GenerateOptions } from './generation/generate.js';
export { buildVisionClassifier, type VisionClassifierOptions } from './builders/vision-classifier.js';
export {
  VISION_PRESETS,
  LANGUAGE_PRESETS,
  type VisionPreset,
  type VisionPresetName,
  type LanguagePreset,
  type LanguagePresetName,
} from './builders/presets.js';
export {
  countParameters,
  countToSTVisionParameters,
  countCrateVisionParameters,
  countToSTLanguageModelParameters,
  tssaParameters,
  attentionParameters,
  causalTSSAParameters,
  stemChannels,
} from './builders/parameter-count.js';
export { ResidualAdd } from './layers/residual-add.js';
export { convStem } from './blocks/conv-stem.js';
export { MaskCopy } from './layers/mask-copy.js';
export { ToSTModel } from './builders/tost-model.js';
export {
  sparseCategoricalCrossentropyFromLogits,
  categoricalCrossentropyFromLogits,
  planFromLogits,
  type FromLogitsPlan,
} from './builders/from-logits.js';
export { seedMathRandom, withSeededRandom, seededRandom } from './util/seeded-random.js';
export { checkTokenIds } from './util/token-ids.js';
