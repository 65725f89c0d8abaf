import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerWithOptions } from './model-layer.js';
import { describeValue, requireIntegerAtLeast, requirePositiveInteger } from '../util/validation.js';

export interface ShortConvolutionOptions {
  /** Channels C of the input [B, N, C]. */
  dim: number;
  /** Kernel width k ≥ 2: position t sees positions t−k+1 … t. */
  kernelSize: number;
  name?: string;
}

/** Checks a `shortConv` option: undefined/false/0 = off, otherwise an integer k ≥ 2. */
export function requireShortConv(owner: string, value: unknown): number {
  if (value === undefined || value === false || value === 0) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2) {
    throw new RangeError(
      `${owner}: option 'shortConv' must be an integer kernel width ≥ 2 (or 0/false for none), got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * A causal depth-wise convolution added to its input: `y_t = x_t + b + Σ_{j<k} w_j ⊙ x_{t−j}` (zeros before the
 * first token), x [B, N, C] → y [B, N, C]. Placed on the normalised block input before the attention, it lets any
 * attention see the previous k−1 tokens of each position — H3's "shift" SSM (Fu et al., arXiv 2212.14052, §3.1),
 * Based (arXiv 2402.18668) and flash-linear-attention's `ShortConvolution`. Weights: `kernel` [k, C] (uniform
 * ±1/√k, PyTorch's depth-wise Conv1d default), `bias` [C] (zeros). Causal: y_t never depends on x_{>t}.
 */
export class ShortConvolution extends layerWithOptions({
  dim: requirePositiveInteger,
  kernelSize: (owner: string, option: string, value: unknown) =>
    requireIntegerAtLeast(owner, option, value, 2),
}) {
  static className = 'ShortConvolution';

  constructor(options: ShortConvolutionOptions) {
    super(options);
  }

  protected override weightSpecs() {
    const bound = 1 / Math.sqrt(this.kernelSize);
    return {
      kernel: {
        shape: [this.kernelSize, this.dim],
        initializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound }),
      },
      bias: { shape: [this.dim], initializer: tfl.initializers.zeros() },
    };
  }

  protected override forward(input: tf.Tensor): tf.Tensor {
    const x = input as tf.Tensor3D;
    if (x.rank !== 3 || x.shape[2] !== this.dim) {
      throw this.inputError(`input must be [batch, tokens, ${this.dim}]`, x);
    }
    const [batch, tokens] = x.shape;
    const k = this.kernelSize;
    const padded = tf.pad(x, [
      [0, 0],
      [k - 1, 0],
      [0, 0],
    ]);
    const kernel = this.weight('kernel');
    // Tap j (0 = the current token) reads x shifted right by j: padded[:, k−1−j : k−1−j+N].
    let y: tf.Tensor = tf.add(x, this.weight('bias'));
    for (let j = 0; j < k; j++) {
      const shifted = tf.slice(padded, [0, k - 1 - j, 0], [batch, tokens, this.dim]);
      y = tf.add(y, tf.mul(shifted, tf.reshape(tf.slice(kernel, [j, 0], [1, this.dim]), [this.dim])));
    }
    return y;
  }
}

tf.serialization.registerClass(ShortConvolution);
