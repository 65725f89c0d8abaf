import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerWithOptions, orDefault } from './model-layer.js';
import { requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

export interface LearnedPositionalEmbeddingOptions {
  /** Number of positions P; inputs may be shorter (they use the first L rows). */
  maxLength: number;
  dim: number;
  initStddev?: number;
  name?: string;
}

/** Adds a learned position table P [maxLength, dim]: x [B, L, C] → x + P[0:L]. */
export class LearnedPositionalEmbedding extends layerWithOptions({
  maxLength: requirePositiveInteger,
  dim: requirePositiveInteger,
  initStddev: orDefault(requirePositiveNumber, 0.02),
}) {
  static className = 'LearnedPositionalEmbedding';

  constructor(options: LearnedPositionalEmbeddingOptions) {
    super(options);
  }

  protected override weightSpecs() {
    const initializer = tfl.initializers.randomNormal({ mean: 0, stddev: this.initStddev });
    return { positions: { shape: [this.maxLength, this.dim], initializer } };
  }

  /** Rows [start, start + length) of the table, [length, dim]. */
  positions(start: number, length: number): tf.Tensor2D {
    if (start + length > this.maxLength) {
      throw new RangeError(
        `LearnedPositionalEmbedding '${this.name}': positions up to ${start + length} requested, but maxLength = ` +
          `${this.maxLength}`,
      );
    }
    return tf.slice(this.weight('positions'), [start, 0], [length, this.dim]) as tf.Tensor2D;
  }

  protected override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.dim) {
      throw this.inputError(`input must be [batch, length, ${this.dim}]`, x);
    }
    return tf.add(x, this.positions(0, x.shape[1]!));
  }
}

tf.serialization.registerClass(LearnedPositionalEmbedding);
