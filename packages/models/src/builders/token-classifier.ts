import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { blockStack, type BlockStackOptions } from '../blocks/encoder.js';
import { LayerCache } from '../generation/layer-cache.js';
import {
  BLOCK_STACK_OPTION_NAMES,
  BUILD_OPTION_NAMES,
  checkBuilderOptions,
  validateBuildOptions,
  type BuildOptions,
} from './build-options.js';
import {
  classifierOutput,
  embedTokens,
  TOKEN_INPUT_OPTION_NAMES,
  validateTokenEncoder,
  type PositionalKind,
} from './sequence-classifier.js';
import { layerNorm } from '../blocks/tost-block.js';
import { withSeededRandom } from '../util/seeded-random.js';
import { ToSTModel } from './tost-model.js';
import { requirePositiveInteger } from '../util/validation.js';

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
  ...BLOCK_STACK_OPTION_NAMES,
  ...TOKEN_INPUT_OPTION_NAMES,
  ...BUILD_OPTION_NAMES,
  numClasses: true,
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
  checkBuilderOptions(owner, options, OPTION_NAMES);
  const stack = validateTokenEncoder(owner, options);
  const numClasses = requirePositiveInteger(owner, 'numClasses', options.numClasses);
  const { output, seed } = validateBuildOptions(owner, options);
  return withSeededRandom(seed, () => {
    const layers = new LayerCache();
    const { maxLength } = stack;
    const ids = tfl.input({ shape: [maxLength], dtype: 'int32', name: 'token_ids' });
    const embedded = embedTokens(ids, stack, { withCls: false, layers });
    let x = blockStack(embedded.x, embedded.mask, stack, { owner, causal: 'either', maxLength, layers });
    x = layerNorm(layers, 'encoder_ln', stack.layerNormEpsilon).apply(x) as SymbolicTensor;
    const logits = tfl.layers.dense({ units: numClasses, name: 'head_logits' }).apply(x) as SymbolicTensor;
    return new ToSTModel({
      inputs: ids,
      outputs: classifierOutput(logits, output),
      name: options.name ?? 'token_classifier',
    });
  });
}
