import * as tfl from '@tensorflow/tfjs-layers';
import { LayerCache } from '../generation/layer-cache.js';
import { PairCombination, type PairCombine } from '../layers/pair-combination.js';
import { withSeededRandom } from '../util/seeded-random.js';
import type { BuildOptions } from './build-options.js';
import {
  classifierHead,
  SEQUENCE_CLASSIFIER_OPTION_NAMES,
  textEncoder,
  validateTextClassifier,
  type TextEncoderOptions,
} from './sequence-classifier.js';
import { ToSTModel } from './tost-model.js';
import { requireOneOf } from '../util/validation.js';

export interface DualEncoderClassifierOptions extends TextEncoderOptions, BuildOptions {
  numClasses: number;
  /** How the two document vectors meet the head (default 'concat', as the LRA table's "head on [u, v]"). */
  combine?: PairCombine;
  headHidden?: number;
  name?: string;
}

/** Every option of `buildDualEncoderClassifier`: the sequence classifier's and `combine` (kept complete by the type). */
const OPTION_NAMES: Record<keyof DualEncoderClassifierOptions, true> = {
  ...SEQUENCE_CLASSIFIER_OPTION_NAMES,
  combine: true,
};

/**
 * LRA Retrieval: ONE shared encoder (same layers, same weights) over two token inputs [B, maxLength] each,
 * head Dense → ReLU → Dense on [u, v] or [u, v, u⊙v, u−v]. Inputs: [ids1, ids2] of the same batch size (a RangeError
 * otherwise); output logits [B, numClasses] (or probabilities with `output: 'probabilities'`). Returns a `ToSTModel`.
 */
export function buildDualEncoderClassifier(options: DualEncoderClassifierOptions): ToSTModel {
  const owner = 'buildDualEncoderClassifier';
  const checked = validateTextClassifier(owner, options, OPTION_NAMES);
  const { encoder, output, seed, numClasses, headHidden } = checked;
  const combine = requireOneOf(
    owner,
    'combine',
    options.combine,
    ['concat', 'concat-product-difference'] as const,
    'concat',
  );
  return withSeededRandom(seed, () => {
    const layers = new LayerCache();
    const first = tfl.input({ shape: [encoder.maxLength], dtype: 'int32', name: 'token_ids_1' });
    const second = tfl.input({ shape: [encoder.maxLength], dtype: 'int32', name: 'token_ids_2' });
    const u = textEncoder(first, encoder, { owner, layers });
    const v = textEncoder(second, encoder, { owner, layers });
    const pair = new PairCombination({ mode: combine, name: 'pair_combination' }).apply([u, v]);
    const outputs = classifierHead(pair as tfl.SymbolicTensor, headHidden, numClasses, output);
    return new ToSTModel({
      inputs: [first, second],
      outputs,
      name: options.name ?? 'dual_encoder_classifier',
    });
  });
}
