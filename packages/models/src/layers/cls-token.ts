import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { requireNonNegativeNumber, requirePositiveInteger } from '../util/validation.js';

export interface ClsTokenOptions {
  dim: number;
  /** 0 (the default, as LRA) initialises the token to zeros; otherwise a normal with this standard deviation. */
  initStddev?: number;
  name?: string;
}

type Shape = (number | null)[];

/** Prepends one learned token: [B, L, C] → [B, L + 1, C]. Pair it with `PaddingMask({prependCls: true})`. */
export class ClsToken extends tfl.layers.Layer {
  static className = 'ClsToken';
  readonly dim: number;
  readonly initStddev: number;
  private token?: tfl.LayerVariable;

  constructor(options: ClsTokenOptions) {
    super({ name: options?.name });
    this.dim = requirePositiveInteger('ClsToken', 'dim', options?.dim);
    this.initStddev = requireNonNegativeNumber('ClsToken', 'initStddev', options?.initStddev, 0);
  }

  override build(_inputShape: Shape | Shape[]): void {
    const init =
      this.initStddev === 0
        ? tfl.initializers.zeros()
        : tfl.initializers.randomNormal({ mean: 0, stddev: this.initStddev });
    this.token = this.addWeight('cls_token', [this.dim], 'float32', init);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0]!, shape[1] == null ? null : shape[1] + 1, this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D;
      if (x.rank !== 3 || x.shape[2] !== this.dim) {
        throw new RangeError(
          `ClsToken '${this.name}': input must be [batch, length, ${this.dim}], got [${x.shape.join(', ')}]`,
        );
      }
      // Broadcast by addition (not tile): its gradient is a plain sum on every backend.
      const cls = tf.add(
        tf.zeros([x.shape[0], 1, this.dim]),
        tf.reshape(this.token!.read(), [1, 1, this.dim]),
      );
      return tf.concat([cls, x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, initStddev: this.initStddev };
  }
}

tf.serialization.registerClass(ClsToken);
