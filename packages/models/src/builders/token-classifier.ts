import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { blockStack, maybeDropout, validateBlockStack, type BlockStackOptions } from '../blocks/encoder.js';
import { LayerCache } from '../generation/layer-cache.js';
import { LearnedPositionalEmbedding } from '../layers/learned-positional-embedding.js';
import { PaddingMask } from '../layers/padding-mask.js';
import {
  classifierOutput,
  validateBuildOptions,
  type BuildOptions,
  type PositionalKind,
} from './sequence-classifier.js';
import { SinusoidalPositionalEncoding } from '../layers/sinusoidal-positions.js';
import { TokenEmbedding } from '../layers/token-embedding.js';
import { layerNorm } from '../blocks/tost-block.js';
import { withSeededRandom } from '../util/seeded-random.js';
import { ToSTModel } from './tost-model.js';
import { requireBoolean, requireOneOf, requirePositiveInteger, rejectUnknownOptions } from '../util/validation.js';

export interface TokenClassifierOptions extends BlockStackOptions, BuildOptions {
  vocabSize: number;
  /** Input length L (token ids [B, L]). */
  maxLength: number;
  /** Classes per position (the logits' last axis). */
  numClasses: number;
  /** Default 'learned'. */
  positional?: PositionalKind;
  /** Whether id 0 marks padding (default true): padded tokens are hidden from the attention. */
  maskPadding?: boolean;
  name?: string;
}

/** Every option of `buildTokenClassifier` (the type keeps it complete: a new option must be listed here). */
const OPTION_NAMES: Record<keyof TokenClassifierOptions, true> = {
  dim: true,
  depth: true,
  heads: true,
  mlpRatio: true,
  attention: true,
  shortConv: true,
  block: true,
  dropout: true,
  attentionDropout: true,
  layerScaleInit: true,
  dropPath: true,
  layerNormEpsilon: true,
  eta: true,
  lambda: true,
  vocabSize: true,
  maxLength: true,
  numClasses: true,
  positional: true,
  maskPadding: true,
  output: true,
  seed: true,
  name: true,
};

/**
 * A sequence-to-sequence classifier: token ids [B, maxLength] (0 = padding unless `maskPadding: false`) → one logit
 * vector per position [B, maxLength, numClasses] (or probabilities with `output: 'probabilities'`). Embedding (N(0, 1)
 * initialisation, as the LRA encoder), positions, pre-norm blocks (any attention, causal or not; one per block with a
 * list), final LayerNorm, a Dense head applied at every position. For token-level tasks such as multi-query
 * associative recall (Zoology, Arora et al., arXiv 2312.04927): train it with `tokenCrossEntropy` (labels [B, L],
 * −100 = unlabelled) or with Keras's sparse cross-entropy and sample weights. Returns a `ToSTModel`.
 */
export function buildTokenClassifier(options: TokenClassifierOptions): ToSTModel {
  const owner = 'buildTokenClassifier';
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${owner}: expected an options object, got ${String(options)}`);
  }
  rejectUnknownOptions(owner, options, OPTION_NAMES);
  const stack = validateBlockStack(owner, options, { layerScaleInit: false, layerNormEpsilon: 1e-6 });
  const vocabSize = requirePositiveInteger(owner, 'vocabSize', options.vocabSize);
  const maxLength = requirePositiveInteger(owner, 'maxLength', options.maxLength);
  const numClasses = requirePositiveInteger(owner, 'numClasses', options.numClasses);
  const positional = requireOneOf(
    owner,
    'positional',
    options.positional,
    ['learned', 'sinusoidal'] as const,
    'learned',
  );
  const maskPadding = requireBoolean(owner, 'maskPadding', options.maskPadding, true);
  const { output, seed } = validateBuildOptions(owner, options);
  return withSeededRandom(seed, () => {
    const layers = new LayerCache();
    const { dim } = stack;
    const ids = tfl.input({ shape: [maxLength], dtype: 'int32', name: 'token_ids' });
    const mask = new PaddingMask({ padId: maskPadding ? 0 : null, name: 'padding_mask' }).apply(
      ids,
    ) as SymbolicTensor;
    let x = new TokenEmbedding({ vocabSize, dim, initStddev: 1, name: 'token_embedding' }).apply(
      ids,
    ) as SymbolicTensor;
    const positions =
      positional === 'learned'
        ? new LearnedPositionalEmbedding({ maxLength, dim, name: 'positions' })
        : new SinusoidalPositionalEncoding({ name: 'positions' });
    x = positions.apply(x) as SymbolicTensor;
    x = maybeDropout(x, stack.dropout, 'embedding_dropout', layers);
    x = blockStack(x, mask, stack, { owner, causal: 'either', maxLength, layers });
    x = layerNorm(layers, 'encoder_ln', stack.layerNormEpsilon).apply(x) as SymbolicTensor;
    const logits = tfl.layers.dense({ units: numClasses, name: 'head_logits' }).apply(x) as SymbolicTensor;
    return new ToSTModel({
      inputs: ids,
      outputs: classifierOutput(logits, output),
      name: options.name ?? 'token_classifier',
    });
  });
}
