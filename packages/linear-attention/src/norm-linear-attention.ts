import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mergeHeads } from '@tost/attention';
import { EluLinearBase, type EluLinearOptions } from './elu-linear-base.js';

export type NormLinearAttentionOptions = EluLinearOptions;

/** ε inside the RMS normalisation. */
export const NORM_EPSILON = 1e-6;

/**
 * NormAttention of TransNormer (Qin et al., "The Devil in Linear Transformer", EMNLP 2022, arXiv 2210.10340, §4.1):
 * linear attention without the denominator, `A_i = Σ_j (φ(q_i)·φ(k_j)) v_j` (φ = elu + 1, real j, j ≤ i when
 * causal), heads merged to [batch, seq, dim], then an RMS normalisation over the dim channels of each token with a
 * learned gain, `Ô = A / sqrt(mean_c(A²) + 1e-6) ⊙ g`, then the output projection. The unbounded scale of A is fixed by
 * the normalisation instead of the (unstable) denominator. The causal form is chunked and streams one token at a time
 * (state Σ φ(k)ᵀ·v [batch, heads, p, p]).
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias, `norm_gain` [dim] (init 1).
 */
export class NormLinearAttention extends EluLinearBase {
  static className = 'NormLinearAttention';
  private gain?: tfl.LayerVariable;

  constructor(options: NormLinearAttentionOptions) {
    super(options);
  }

  protected get appendsOnes(): boolean {
    return false;
  }

  protected override buildCoreWeights(): void {
    this.gain = this.addCoreWeight('norm_gain', [this.dim], 'ones');
  }

  /** Merge heads, then A / sqrt(mean over the dim channels of A² + 1e-6) ⊙ g. */
  protected finish(out: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const a = mergeHeads(out);
      const rms = tf.sqrt(tf.add(tf.mean(tf.square(a), -1, true), NORM_EPSILON));
      return tf.mul(tf.div(a, rms), this.gain!.read()) as tf.Tensor3D;
    });
  }
}

tf.serialization.registerClass(NormLinearAttention);
