import * as tf from '@tensorflow/tfjs-core';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { firstShape, layerWithOptions, type Shape } from './model-layer.js';
import { requireOneOf } from '../util/validation.js';

export type PoolingMode = 'cls' | 'mean';

export interface TokenPoolingOptions {
  /** 'cls': the first token; 'mean': the mean of the real tokens (padding excluded when a mask is given). */
  mode: PoolingMode;
  name?: string;
}

/** Sequence → vector: x [B, L, C] (and optionally the mask [B, L] as a second input) → [B, C]. */
export class TokenPooling extends layerWithOptions({
  mode: (owner, option, value) => requireOneOf(owner, option, value, ['cls', 'mean'] as const),
}) {
  static className = 'TokenPooling';

  constructor(options: TokenPoolingOptions) {
    super(options);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    return [shape[0]!, shape[2]!];
  }

  protected override forward(input: tf.Tensor, _kwargs: Kwargs, inputs: tf.Tensor[]): tf.Tensor {
    const x = input as tf.Tensor3D;
    if (x.rank !== 3) {
      throw this.inputError(`input must be [batch, length, dim]`, x);
    }
    const [batch, length, dim] = x.shape;
    if (this.mode === 'cls') return tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, dim]), [batch, dim]);
    const mask = inputs[1];
    if (!mask) return tf.mean(x, 1);
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== length) {
      throw this.inputError(`mask must be [batch, length] = [${batch}, ${length}]`, mask);
    }
    const m = tf.cast(mask, 'float32');
    const summed = tf.sum(tf.mul(x, tf.expandDims(m, 2)), 1);
    // max(count, 1): an all-padding row pools to zeros instead of NaN.
    return tf.div(summed, tf.maximum(tf.sum(m, 1, true), 1));
  }
}

tf.serialization.registerClass(TokenPooling);
