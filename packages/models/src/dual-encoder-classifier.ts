import * as tfl from '@tensorflow/tfjs-layers';
import { LayerCache } from './layer-cache.js';
import { PairCombination, type PairCombine } from './pair-combination.js';
import {
  classifierHead,
  textEncoder,
  validateTextEncoder,
  type TextEncoderOptions,
} from './sequence-classifier.js';
import { requireOneOf, requirePositiveInteger } from './validation.js';

export interface DualEncoderClassifierOptions extends TextEncoderOptions {
  numClasses: number;
  /** How the two document vectors meet the head (default 'concat', as the LRA table's "head on [u, v]"). */
  combine?: PairCombine;
  headHidden?: number;
  name?: string;
}

/**
 * LRA Retrieval: ONE shared encoder (same layers, same weights) over two token inputs [B, maxLength] each,
 * head Dense → ReLU → Dense on [u, v] or [u, v, u⊙v, u−v]. Inputs: [ids1, ids2]; output logits [B, numClasses].
 */
export function buildDualEncoderClassifier(options: DualEncoderClassifierOptions): tfl.LayersModel {
  const owner = 'buildDualEncoderClassifier';
  const encoder = validateTextEncoder(owner, options);
  const numClasses = requirePositiveInteger(owner, 'numClasses', options.numClasses);
  const combine = requireOneOf(
    owner,
    'combine',
    options.combine,
    ['concat', 'concat-product-difference'] as const,
    'concat',
  );
  const headHidden = requirePositiveInteger(
    owner,
    'headHidden',
    options.headHidden ?? Math.round(encoder.mlpRatio * encoder.dim),
  );
  const layers = new LayerCache();
  const first = tfl.input({ shape: [encoder.maxLength], dtype: 'int32', name: 'token_ids_1' });
  const second = tfl.input({ shape: [encoder.maxLength], dtype: 'int32', name: 'token_ids_2' });
  const u = textEncoder(first, encoder, { owner, layers });
  const v = textEncoder(second, encoder, { owner, layers });
  const pair = new PairCombination({ mode: combine, name: 'pair_combination' }).apply([u, v]);
  const logits = classifierHead(pair as tfl.SymbolicTensor, headHidden, numClasses);
  return tfl.model({
    inputs: [first, second],
    outputs: logits,
    name: options.name ?? 'dual_encoder_classifier',
  });
}
