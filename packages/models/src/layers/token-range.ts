import * as tf from '@tensorflow/tfjs-core';
import { firstShape, layerWithOptions, type Shape } from './model-layer.js';
import { requireIntegerAtLeast } from '../util/validation.js';

export interface TokenRangeOptions {
  /** First token kept. */
  start: number;
  /** Number of tokens kept; omitted = to the end. */
  size?: number;
  name?: string;
}

function requireSize(owner: string, option: string, size: unknown): number | undefined {
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size <= 0)) {
    throw new RangeError(
      `${owner}: option '${option}' must be a positive integer or omitted, got ${String(size)}`,
    );
  }
  return size;
}

/** Keeps tokens [start, start + size) of x [B, L, C] (e.g. the CLS token, or everything after it). */
export class TokenRange extends layerWithOptions({
  start: (owner: string, option: string, value: unknown) => requireIntegerAtLeast(owner, option, value, 0),
  size: requireSize,
}) {
  static className = 'TokenRange';

  constructor(options: TokenRangeOptions) {
    super(options);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    const length = this.size ?? (shape[1] == null ? null : shape[1] - this.start);
    return [shape[0]!, length, shape[2]!];
  }

  protected override forward(input: tf.Tensor): tf.Tensor {
    const x = input as tf.Tensor3D;
    const [batch, length, dim] = x.shape;
    const size = this.size ?? length - this.start;
    if (x.rank !== 3 || this.start + size > length || size <= 0) {
      throw new RangeError(
        `TokenRange '${this.name}': cannot take tokens [${this.start}, ${this.start + size}) of input ` +
          `[${x.shape.join(', ')}]`,
      );
    }
    return tf.slice(x, [0, this.start, 0], [batch, size, dim]);
  }
}

tf.serialization.registerClass(TokenRange);
