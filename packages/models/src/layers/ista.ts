import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { requireNonNegativeNumber, requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

export interface ISTAOptions {
  dim: number;
  /** Step size η (CRATE: 0.1). */
  eta?: number;
  /** Sparsity weight λ (CRATE: 0.1, hard-coded in the original). */
  lambda?: number;
  name?: string;
}

type Shape = (number | null)[];

/**
 * CRATE's sparse-coding step (CRATE, arXiv 2306.01129, "ISTA block"), on row vectors z:
 * `out = relu(z + η·(z·D − (z·Dᵀ)·D) − η·λ)` with ONE square dictionary D [dim, dim] (Kaiming-uniform), tied
 * encoder/decoder, no residual. The caller applies the LayerNorm first.
 */
export class ISTA extends tfl.layers.Layer {
  static className = 'ISTA';
  readonly dim: number;
  readonly eta: number;
  readonly lambda: number;
  private dictionary?: tfl.LayerVariable;

  constructor(options: ISTAOptions) {
    super({ name: options?.name });
    this.dim = requirePositiveInteger('ISTA', 'dim', options?.dim);
    this.eta = requirePositiveNumber('ISTA', 'eta', options?.eta, 0.1);
    this.lambda = requireNonNegativeNumber('ISTA', 'lambda', options?.lambda, 0.1);
  }

  override build(_inputShape: Shape | Shape[]): void {
    // heUniform = U(±sqrt(6 / fan_in)) = PyTorch's kaiming_uniform_ default.
    this.dictionary = this.addWeight(
      'dictionary',
      [this.dim, this.dim],
      'float32',
      tfl.initializers.heUniform({}),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const z = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (z.shape[z.rank - 1] !== this.dim) {
        throw new RangeError(
          `ISTA '${this.name}': input last axis must be ${this.dim}, got [${z.shape.join(', ')}]`,
        );
      }
      const d = this.dictionary!.read() as tf.Tensor2D;
      const rows = tf.reshape(z, [-1, this.dim]) as tf.Tensor2D;
      const forward = tf.matMul(rows, d); // z·D  ("Dᵀz" in the paper's column convention)
      const reconstruction = tf.matMul(tf.matMul(rows, d, false, true), d); // (z·Dᵀ)·D
      const step = tf.mul(tf.sub(forward, reconstruction), this.eta);
      const out = tf.relu(tf.sub(tf.add(rows, step), this.eta * this.lambda));
      return tf.reshape(out, z.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, eta: this.eta, lambda: this.lambda };
  }
}

tf.serialization.registerClass(ISTA);
