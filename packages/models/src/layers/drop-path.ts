import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { requireRate } from '../util/validation.js';

export interface DropPathOptions {
  /** Probability of dropping a sample's whole residual branch, in [0, 1). */
  rate: number;
  /** Seed for reproducible tests. */
  seed?: number;
  name?: string;
}

type Shape = (number | null)[];

/**
 * Stochastic depth: in training, each sample's branch is zeroed with probability `rate` and otherwise scaled by
 * 1 / (1 − rate) (so the expectation is unchanged); identity at inference.
 */
export class DropPath extends tfl.layers.Layer {
  static className = 'DropPath';
  readonly rate: number;
  readonly seed?: number;

  constructor(options: DropPathOptions) {
    super({ name: options?.name });
    this.rate = requireRate('DropPath', 'rate', options?.rate);
    this.seed = options?.seed;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (kwargs?.training !== true || this.rate === 0) return tf.clone(x);
      const keep = 1 - this.rate;
      const shape = [x.shape[0]!, ...x.shape.slice(1).map(() => 1)];
      const kept = tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', this.seed), keep));
      return tf.mul(x, tf.div(kept, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), rate: this.rate };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}

tf.serialization.registerClass(DropPath);
