import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { firstShape, layerWithOptions, orDefault, type Shape } from './model-layer.js';
import { requireNonNegativeNumber, requirePositiveInteger } from '../util/validation.js';

export interface ClsTokenOptions {
  dim: number;
  /** 0 (the default, as LRA) initialises the token to zeros; otherwise a normal with this standard deviation. */
  initStddev?: number;
  name?: string;
}

/** Prepends one learned token: [B, L, C] → [B, L + 1, C]. Pair it with `PaddingMask({prependCls: true})`. */
export class ClsToken extends layerWithOptions({
  dim: requirePositiveInteger,
  initStddev: orDefault(requireNonNegativeNumber, 0),
}) {
  static className = 'ClsToken';

  constructor(options: ClsTokenOptions) {
    super(options);
  }

  protected override weightSpecs() {
    const initializer =
      this.initStddev === 0
        ? tfl.initializers.zeros()
        : tfl.initializers.randomNormal({ mean: 0, stddev: this.initStddev });
    return { cls_token: { shape: [this.dim], initializer } };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    return [shape[0]!, shape[1] == null ? null : shape[1] + 1, this.dim];
  }

  protected override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.dim) {
      throw this.inputError(`input must be [batch, length, ${this.dim}]`, x);
    }
    // Broadcast by addition (not tile): its gradient is a plain sum on every backend.
    const cls = tf.add(
      tf.zeros([x.shape[0]!, 1, this.dim]),
      tf.reshape(this.weight('cls_token'), [1, 1, this.dim]),
    );
    return tf.concat([cls, x], 1);
  }
}

tf.serialization.registerClass(ClsToken);
