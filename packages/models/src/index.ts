import './register-variants.js';
export { TokenEmbedding, embeddingLookup, type TokenEmbeddingOptions } from './token-embedding.js';
export { ClsToken, type ClsTokenOptions } from './cls-token.js';
export { PaddingMask, type PaddingMaskOptions } from './padding-mask.js';
export {
  LearnedPositionalEmbedding,
  type LearnedPositionalEmbeddingOptions,
} from './learned-positional-embedding.js';
export {
  SinusoidalPositionalEncoding,
  SinusoidalPositions2D,
  sinusoidalTable1D,
  sinusoidalTable2D,
  type SinusoidalPositionalEncodingOptions,
  type SinusoidalPositions2DOptions,
} from './sinusoidal-positions.js';
export { LayerScale, defaultLayerScale, type LayerScaleOptions } from './layer-scale.js';
export { DropPath, type DropPathOptions } from './drop-path.js';
export { TokenPooling, type PoolingMode, type TokenPoolingOptions } from './token-pooling.js';
export { TokenRange, type TokenRangeOptions } from './token-range.js';
export { ISTA, type ISTAOptions } from './ista.js';
export { ClassAttention, type ClassAttentionOptions } from './class-attention.js';
export { StridedConv3x3, type StridedConv3x3Options } from './strided-conv.js';
export { PatchExtraction, type PatchExtractionOptions } from './patch-extraction.js';
export { PairCombination, type PairCombine } from './pair-combination.js';
export { LayerCache } from './layer-cache.js';
export { createAttentionForSlot, type AttentionSpec, type AttentionSlotOptions } from './attention-slot.js';
export { toSTBlock, mlp, residualBranch, type ToSTBlockOptions } from './tost-block.js';
export { crateBlock, type CrateBlockOptions } from './crate-block.js';
export { classAttentionBlock, type ClassAttentionBlockOptions } from './class-attention-block.js';
export { classAttentionPooling, type ClassAttentionPoolingOptions } from './class-attention-pooling.js';
export {
  blockStack,
  validateBlockStack,
  attentionPerBlock,
  type AttentionStackSpec,
  type BlockKind,
  type BlockStackOptions,
} from './encoder.js';
export { ShortConvolution, type ShortConvolutionOptions } from './short-convolution.js';
export { buildTokenClassifier, type TokenClassifierOptions } from './token-classifier.js';
export { tokenCrossEntropy, tokenAccuracyCounts, IGNORE_LABEL } from './token-loss.js';
export {
  buildSequenceClassifier,
  textEncoder,
  type SequenceClassifierOptions,
  type BuildOptions,
  type ClassifierOutput,
  type TextEncoderOptions,
  type PositionalKind,
  type SequencePooling,
} from './sequence-classifier.js';
export { buildDualEncoderClassifier, type DualEncoderClassifierOptions } from './dual-encoder-classifier.js';
export { buildCausalLM, CAUSAL_LM_LAYERS, type CausalLMOptions } from './causal-lm.js';
export { generate, sampleToken, type GenerateOptions } from './generate.js';
export { buildVisionClassifier, type VisionClassifierOptions } from './vision-classifier.js';
export {
  VISION_PRESETS,
  LANGUAGE_PRESETS,
  type VisionPreset,
  type VisionPresetName,
  type LanguagePreset,
  type LanguagePresetName,
} from './presets.js';
export {
  countParameters,
  countToSTVisionParameters,
  countCrateVisionParameters,
  countToSTLanguageModelParameters,
  tssaParameters,
  attentionParameters,
  causalTSSAParameters,
  stemChannels,
} from './parameter-count.js';
export { ResidualAdd } from './residual-add.js';
export { MaskCopy } from './mask-copy.js';
export { ToSTModel } from './tost-model.js';
export {
  sparseCategoricalCrossentropyFromLogits,
  categoricalCrossentropyFromLogits,
  planFromLogits,
  type FromLogitsPlan,
} from './from-logits.js';
export { seedMathRandom, withSeededRandom, seededRandom } from './seeded-random.js';
export { checkTokenIds } from './token-ids.js';
