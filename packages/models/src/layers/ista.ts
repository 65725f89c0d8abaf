import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerWithOptions, orDefault } from './model-layer.js';
import {
  requireNonNegativeNumber,
  requirePositiveInteger,
  requirePositiveNumber,
} from '../util/validation.js';

export interface ISTAOptions {
  dim: number;
  /** Step size η (CRATE: 0.1). */
  eta?: number;
  /** Sparsity weight λ (CRATE: 0.1, hard-coded in the original). */
  lambda?: number;
  name?: string;
}

/**
 * CRATE's sparse-coding step (CRATE, arXiv 2306.01129, "ISTA block"), on row vectors z:
 * `out = relu(z + η·(z·D − (z·Dᵀ)·D) − η·λ)` with ONE square dictionary D [dim, dim] (Kaiming-uniform), tied
 * encoder/decoder, no residual. The caller applies the LayerNorm first.
 */
export class ISTA extends layerWithOptions({
  dim: requirePositiveInteger,
  eta: orDefault(requirePositiveNumber, 0.1),
  lambda: orDefault(requireNonNegativeNumber, 0.1),
}) {
  static className = 'ISTA';

  constructor(options: ISTAOptions) {
    super(options);
  }

  protected override weightSpecs() {
    // heUniform = U(±sqrt(6 / fan_in)) = PyTorch's kaiming_uniform_ default.
    return { dictionary: { shape: [this.dim, this.dim], initializer: tfl.initializers.heUniform({}) } };
  }

  protected override forward(z: tf.Tensor): tf.Tensor {
    if (z.shape[z.rank - 1] !== this.dim) throw this.inputError(`input last axis must be ${this.dim}`, z);
    const d = this.weight('dictionary') as tf.Tensor2D;
    const rows = tf.reshape(z, [-1, this.dim]) as tf.Tensor2D;
    const encoded = tf.matMul(rows, d); // z·D  ("Dᵀz" in the paper's column convention)
    const reconstruction = tf.matMul(tf.matMul(rows, d, false, true), d); // (z·Dᵀ)·D
    const step = tf.mul(tf.sub(encoded, reconstruction), this.eta);
    const out = tf.relu(tf.sub(tf.add(rows, step), this.eta * this.lambda));
    return tf.reshape(out, z.shape);
  }
}

tf.serialization.registerClass(ISTA);
