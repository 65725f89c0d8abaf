import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { classAttentionPooling } from '../blocks/class-attention-pooling.js';
import { ClsToken } from '../layers/cls-token.js';
import {
  blockStack,
  maybeDropout,
  validateBlockStack,
  type BlockStackOptions,
  type ValidatedBlockStack,
} from '../blocks/encoder.js';
import { LayerCache } from '../generation/layer-cache.js';
import { LearnedPositionalEmbedding } from '../layers/learned-positional-embedding.js';
import { PaddingMask } from '../layers/padding-mask.js';
import { SinusoidalPositionalEncoding } from '../layers/sinusoidal-positions.js';
import { TokenEmbedding } from '../layers/token-embedding.js';
import { TokenPooling } from '../layers/token-pooling.js';
import { layerNorm } from '../blocks/tost-block.js';
import { withSeededRandom } from '../util/seeded-random.js';
import { ToSTModel } from './tost-model.js';
import {
  BLOCK_STACK_OPTION_NAMES,
  BUILD_OPTION_NAMES,
  checkBuilderOptions,
  validateBuildOptions,
  type BuildOptions,
  type ClassifierOutput,
} from './build-options.js';
import { requireBoolean, requireOneOf, requirePositiveInteger } from '../util/validation.js';

export type PositionalKind = 'learned' | 'sinusoidal';

/** How the encoder turns its tokens into one vector (see `TextEncoderOptions.pooling`). */
export type SequencePooling = 'cls' | 'mean' | 'class-attention';

/** Options of the token encoder shared by the sequence classifier and the dual encoder. */
export interface TextEncoderOptions extends BlockStackOptions {
  vocabSize: number;
  /** Input length L (token ids [B, L], 0 = padding). */
  maxLength: number;
  /**
   * 'cls': a zero-initialised token prepended before the blocks, as LRA; 'mean': the mean of the real tokens;
   * 'class-attention': after the blocks, a learned query token attends with softmax over every real token in one
   * class-attention block (the ToST/XCiT head, O(N), see `classAttentionPooling`). Default 'cls'.
   */
  pooling?: SequencePooling;
  /** Default 'learned'. */
  positional?: PositionalKind;
  /**
   * Whether id 0 marks padding (default true). Pass false for fixed-length inputs whose 0 is a real value, such as the
   * grey levels of LRA Pathfinder and Image: otherwise every black pixel would be masked out.
   */
  maskPadding?: boolean;
}

export interface SequenceClassifierOptions extends TextEncoderOptions, BuildOptions {
  numClasses: number;
  /** Hidden width of the head Dense → ReLU → Dense (LRA: the "mlp" size); default mlpRatio·dim. */
  headHidden?: number;
  name?: string;
}

/** The options of a stack over token ids (the text encoder's without `pooling`; the token classifier's). */
export type TokenEncoderOptions = Omit<TextEncoderOptions, 'pooling'>;

export interface ValidatedTokenEncoder extends ValidatedBlockStack {
  vocabSize: number;
  maxLength: number;
  positional: PositionalKind;
  maskPadding: boolean;
}

export interface ValidatedTextEncoder extends ValidatedTokenEncoder {
  pooling: SequencePooling;
}

/** The options `validateTokenEncoder` checks besides the block stack's. */
export const TOKEN_INPUT_OPTION_NAMES = {
  vocabSize: true,
  maxLength: true,
  positional: true,
  maskPadding: true,
} as const satisfies Partial<Record<keyof TokenEncoderOptions, true>>;

/** Checks a stack over token ids, with the LRA encoder's defaults: pre-LN blocks, no layer scale, LayerNorm eps 1e-6. */
export function validateTokenEncoder(owner: string, options: TokenEncoderOptions): ValidatedTokenEncoder {
  return {
    ...validateBlockStack(owner, options, { layerScaleInit: false, layerNormEpsilon: 1e-6 }),
    vocabSize: requirePositiveInteger(owner, 'vocabSize', options.vocabSize),
    maxLength: requirePositiveInteger(owner, 'maxLength', options.maxLength),
    positional: requireOneOf(
      owner,
      'positional',
      options.positional,
      ['learned', 'sinusoidal'] as const,
      'learned',
    ),
    maskPadding: requireBoolean(owner, 'maskPadding', options.maskPadding, true),
  };
}

export function validateTextEncoder(owner: string, options: TextEncoderOptions): ValidatedTextEncoder {
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${owner}: expected an options object, got ${String(options)}`);
  }
  return {
    ...validateTokenEncoder(owner, options),
    pooling: requireOneOf(
      owner,
      'pooling',
      options.pooling,
      ['cls', 'mean', 'class-attention'] as const,
      'cls',
    ),
  };
}

/**
 * The embedded tokens of `ids` before the blocks, and their padding mask: token embedding (N(0, 1)), an optional
 * CLS token, positions, dropout. Layers come from `layers` (a second call with the same cache shares them).
 */
export function embedTokens(
  ids: SymbolicTensor,
  encoder: ValidatedTokenEncoder,
  { withCls, layers }: { withCls: boolean; layers: LayerCache },
): { x: SymbolicTensor; mask: SymbolicTensor } {
  const { dim } = encoder;
  // LRA's encoder initialises token embeddings N(0, 1) (learned positions N(0, 0.02)): with the default 0.02 the
  // tokens would be ~50× weaker than unit-amplitude sinusoidal positions, and classification would learn very slowly.
  const embedding = layers.get(
    'token_embedding',
    () => new TokenEmbedding({ vocabSize: encoder.vocabSize, dim, initStddev: 1, name: 'token_embedding' }),
  );
  const maskLayer = layers.get(
    'padding_mask',
    () =>
      new PaddingMask({ prependCls: withCls, padId: encoder.maskPadding ? 0 : null, name: 'padding_mask' }),
  );
  const mask = maskLayer.apply(ids) as SymbolicTensor;
  let x = embedding.apply(ids) as SymbolicTensor;
  if (withCls)
    x = layers.get('cls_token', () => new ClsToken({ dim, name: 'cls_token' })).apply(x) as SymbolicTensor;
  const positions =
    encoder.positional === 'learned'
      ? layers.get(
          'positions',
          () =>
            new LearnedPositionalEmbedding({
              maxLength: encoder.maxLength + (withCls ? 1 : 0),
              dim,
              name: 'positions',
            }),
        )
      : layers.get('positions', () => new SinusoidalPositionalEncoding({ name: 'positions' }));
  x = positions.apply(x) as SymbolicTensor;
  return { x: maybeDropout(x, encoder.dropout, 'embedding_dropout', layers), mask };
}

/**
 * The LRA encoder (LRA, arXiv 2011.04006, "Standard model settings"): token embedding, optional CLS, positions, dropout,
 * blocks (pre-norm), final LayerNorm, pooling → [B, dim]; with 'class-attention' pooling the class-attention block
 * comes before the final LayerNorm (as XCiT's head, arXiv 2106.09681). The padding mask is derived from the ids (pad id 0).
 */
export function textEncoder(
  ids: SymbolicTensor,
  encoder: ValidatedTextEncoder,
  { owner, layers = new LayerCache() }: { owner: string; layers?: LayerCache },
): SymbolicTensor {
  const { pooling } = encoder;
  const withCls = pooling === 'cls';
  const embedded = embedTokens(ids, encoder, { withCls, layers });
  const { mask } = embedded;
  let x = embedded.x;
  // A causal encoder fits when the pooling reads every token ('class-attention', 'mean': a uni-directional model, as
  // recurrent models are evaluated on LRA); under a CLS token at position 0 it would see nothing, so 'cls' needs a
  // non-causal one. maxLength reaches the attention (causal TSSA sizes its per-position bias by it).
  const tokens = encoder.maxLength + (withCls ? 1 : 0);
  x = blockStack(x, mask, encoder, {
    owner,
    causal: withCls ? false : 'either',
    maxLength: tokens,
    layers,
    hint: "; with pooling 'class-attention' or 'mean' (which read every token) a causal encoder fits",
  });
  const finalNorm = layerNorm(layers, 'encoder_ln', encoder.layerNormEpsilon);
  if (pooling === 'class-attention') {
    const pooled = classAttentionPooling(x, ids, {
      ...encoder,
      padId: encoder.maskPadding ? 0 : null,
      layers,
    });
    return finalNorm.apply(pooled) as SymbolicTensor;
  }
  x = finalNorm.apply(x) as SymbolicTensor;
  const pool = layers.get('pooling', () => new TokenPooling({ mode: pooling, name: 'pooling' }));
  return pool.apply([x, mask]) as SymbolicTensor;
}

/** Dense(hidden) → ReLU → Dense(classes): the LRA classifier head (logits), then a softmax for 'probabilities'. */
export function classifierHead(
  x: SymbolicTensor,
  hidden: number,
  numClasses: number,
  output: ClassifierOutput = 'logits',
): SymbolicTensor {
  const h = tfl.layers
    .dense({ units: hidden, activation: 'relu', name: 'head_hidden' })
    .apply(x) as SymbolicTensor;
  const logits = tfl.layers.dense({ units: numClasses, name: 'head_logits' }).apply(h) as SymbolicTensor;
  return classifierOutput(logits, output);
}

/** Logits, or a softmax layer named 'probabilities' on top of them. */
export function classifierOutput(logits: SymbolicTensor, output: ClassifierOutput): SymbolicTensor {
  if (output === 'logits') return logits;
  return tfl.layers.softmax({ name: 'probabilities' }).apply(logits) as SymbolicTensor;
}

/**
 * Every option of `buildSequenceClassifier` (the type keeps it complete: a new option must be listed here); the dual
 * encoder adds its `combine`.
 */
export const SEQUENCE_CLASSIFIER_OPTION_NAMES: Record<keyof SequenceClassifierOptions, true> = {
  ...BLOCK_STACK_OPTION_NAMES,
  ...TOKEN_INPUT_OPTION_NAMES,
  ...BUILD_OPTION_NAMES,
  pooling: true,
  numClasses: true,
  headHidden: true,
  name: true,
};

/**
 * The checks of a classifier over text (sequence or dual encoder): known option names (`known`, by default the
 * sequence classifier's), the encoder,
 * `output` and `seed`, `numClasses`, and the head's hidden width (default mlpRatio·dim).
 */
export function validateTextClassifier(
  owner: string,
  options: SequenceClassifierOptions,
  known: Record<string, true> = SEQUENCE_CLASSIFIER_OPTION_NAMES,
): {
  encoder: ValidatedTextEncoder;
  output: ClassifierOutput;
  seed: number | undefined;
  numClasses: number;
  headHidden: number;
} {
  checkBuilderOptions(owner, options, known);
  const encoder = validateTextEncoder(owner, options);
  const { output, seed } = validateBuildOptions(owner, options);
  const numClasses = requirePositiveInteger(owner, 'numClasses', options.numClasses);
  const headHidden = requirePositiveInteger(
    owner,
    'headHidden',
    options.headHidden ?? Math.round(encoder.mlpRatio * encoder.dim),
  );
  return { encoder, output, seed, numClasses, headHidden };
}

/**
 * LRA-style sequence classifier: ONE input, token ids [B, maxLength] (0 = padding) → logits [B, numClasses] (or
 * probabilities with `output: 'probabilities'`). Any non-causal attention fits; a causal one fits with pooling
 * 'class-attention' or 'mean' (a uni-directional encoder) and is an error with 'cls'.
 * Ids must be integers in [0, vocabSize) (a RangeError naming `token_ids` otherwise). Returns a `ToSTModel`.
 */
export function buildSequenceClassifier(options: SequenceClassifierOptions): ToSTModel {
  const owner = 'buildSequenceClassifier';
  const { encoder, output, seed, numClasses, headHidden } = validateTextClassifier(owner, options);
  return withSeededRandom(seed, () => {
    const ids = tfl.input({ shape: [encoder.maxLength], dtype: 'int32', name: 'token_ids' });
    const pooled = textEncoder(ids, encoder, { owner });
    const outputs = classifierHead(pooled, headHidden, numClasses, output);
    return new ToSTModel({ inputs: ids, outputs, name: options.name ?? 'sequence_classifier' });
  });
}
