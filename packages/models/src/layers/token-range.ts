import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';

export interface TokenRangeOptions {
  /** First token kept. */
  start: number;
  /** Number of tokens kept; omitted = to the end. */
  size?: number;
  name?: string;
}

type Shape = (number | null)[];

/** Keeps tokens [start, start + size) of x [B, L, C] (e.g. the CLS token, or everything after it). */
export class TokenRange extends tfl.layers.Layer {
  static className = 'TokenRange';
  readonly start: number;
  readonly size?: number;

  constructor(options: TokenRangeOptions) {
    super({ name: options?.name });
    const { start, size } = options ?? {};
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) {
      throw new RangeError(`TokenRange: option 'start' must be an integer ≥ 0, got ${String(start)}`);
    }
    if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size <= 0)) {
      throw new RangeError(
        `TokenRange: option 'size' must be a positive integer or omitted, got ${String(size)}`,
      );
    }
    this.start = start;
    this.size = size;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const length = this.size ?? (shape[1] == null ? null : shape[1] - this.start);
    return [shape[0]!, length, shape[2]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor3D;
      const [batch, length, dim] = x.shape;
      const size = this.size ?? length - this.start;
      if (x.rank !== 3 || this.start + size > length || size <= 0) {
        throw new RangeError(
          `TokenRange '${this.name}': cannot take tokens [${this.start}, ${this.start + size}) of input ` +
            `[${x.shape.join(', ')}]`,
        );
      }
      return tf.slice(x, [0, this.start, 0], [batch, size, dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), start: this.start };
    if (this.size !== undefined) config.size = this.size;
    return config;
  }
}

tf.serialization.registerClass(TokenRange);
