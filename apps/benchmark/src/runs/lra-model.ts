import type * as tfl from '@tensorflow/tfjs-layers';
import type { LraSplit, LraTaskName } from '@tost/lra';
import { buildDualEncoderClassifier, buildSequenceClassifier } from '@tost/models';
import type { LraRunSpec } from './lra-result.js';
import { variantAttention } from '../quality/variants.js';

/** Tasks whose tokens are grey values 0–255 of fixed-size images. */
const PIXEL_TASKS: LraTaskName[] = ['image', 'pathfinder', 'pathx'];

/** Everything `buildSequenceClassifier` / `buildDualEncoderClassifier` gets: recorded so a run can be rebuilt. */
export type LraModelOptions = ReturnType<typeof lraModelOptions>;

export function lraModelOptions(spec: LraRunSpec, split: LraSplit) {
  const s = spec.settings;
  return {
    vocabSize: split.vocabSize,
    maxLength: split.maxLength,
    numClasses: split.numClasses,
    dim: s.dim,
    depth: s.depth,
    heads: s.heads,
    mlpRatio: s.mlpRatio,
    headHidden: Math.round(s.mlpRatio * s.dim),
    // A hybrid a+b (every block a except the last, b) becomes the builders' per-block form.
    attention: spec.attention.includes('+')
      ? variantAttention(spec.attention, s.depth, false)
      : spec.attention,
    block: spec.block,
    pooling: s.pooling,
    positional: s.positional,
    dropout: s.dropout,
    attentionDropout: s.attentionDropout,
    // Pixel tasks have fixed length and grey value 0 is black, not padding: no padding mask there.
    maskPadding: !PIXEL_TASKS.includes(spec.task),
    ...(split.dual ? { combine: 'concat' as const } : {}),
    // Same seed, same initial weights (and, with seedMathRandom around training, the same dropout masks).
    seed: spec.seed,
  };
}

export function buildLraModel(options: LraModelOptions, dual: boolean): tfl.LayersModel {
  return dual ? buildDualEncoderClassifier(options) : buildSequenceClassifier(options);
}
