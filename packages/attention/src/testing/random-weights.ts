import * as tf from '@tensorflow/tfjs-core';
import type { AttentionLayer } from '../attention-layer.js';

/**
 * Builds `layer` for inputs of width `dim` (if not built yet) and sets its trainable weights to seeded normal draws
 * (trainable weight i from N(0, std²) with seed `seed + i`); non-trainable weights (e.g. random features) keep their
 * values. Returns the layer. Tests use it so that a mix-up of weights, hidden by constant initial values, shows.
 */
export function setRandomWeights<L extends AttentionLayer>(
  layer: L,
  { dim, seed, std = 0.4 }: { dim: number; seed: number; std?: number },
): L {
  if (!layer.built) layer.build([null, null, dim]);
  const values = layer.trainableWeights.map((w, i) =>
    tf.randomNormal(w.shape as number[], 0, std, 'float32', seed + i),
  );
  layer.setWeights([...values, ...layer.nonTrainableWeights.map((w) => w.read())]);
  tf.dispose(values);
  return layer;
}
