import * as tf from '@tensorflow/tfjs-core';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { layerWithOptions } from './model-layer.js';
import { requireRate } from '../util/validation.js';

export interface DropPathOptions {
  /** Probability of dropping a sample's whole residual branch, in [0, 1). */
  rate: number;
  /** Seed for reproducible tests. */
  seed?: number;
  name?: string;
}

/**
 * Stochastic depth: in training, each sample's branch is zeroed with probability `rate` and otherwise scaled by
 * 1 / (1 − rate) (so the expectation is unchanged); identity at inference.
 */
export class DropPath extends layerWithOptions({
  rate: requireRate,
  seed: (_owner, _option, value) => value as number | undefined,
}) {
  static className = 'DropPath';

  constructor(options: DropPathOptions) {
    super(options);
  }

  protected override forward(x: tf.Tensor, kwargs: Kwargs): tf.Tensor {
    if (kwargs?.training !== true || this.rate === 0) return tf.clone(x);
    const keep = 1 - this.rate;
    const shape = [x.shape[0]!, ...x.shape.slice(1).map(() => 1)];
    const kept = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', this.seed), keep));
    return tf.mul(x, tf.div(kept, keep));
  }
}

tf.serialization.registerClass(DropPath);
