import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  causalLinearAttention,
  linearAttention,
  linearAttentionStep,
  mergeHeads,
  type ProjectedHeads,
} from '@tost/attention';
import { CAUSAL_CHUNK, EluLinearBase, type EluLinearOptions } from './elu-linear-base.js';
import type { LinearAttentionState } from './linear-state.js';

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

  protected get stateWidth(): number {
    return this.headDim;
  }

  protected override buildCoreWeights(): void {
    this.gain = this.addWeight('norm_gain', [this.dim], 'float32', tfl.initializers.ones());
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor3D {
    const { q, k, v } = this.features(heads, mask);
    const a = this.isCausal
      ? causalLinearAttention(q, k, v, { chunkSize: CAUSAL_CHUNK })
      : linearAttention(q, k, v);
    return this.rmsNormalise(mergeHeads(a));
  }

  /** A / sqrt(mean over the last axis of A² + 1e-6) ⊙ g, for [..., dim]. */
  private rmsNormalise<T extends tf.Tensor>(a: T): T {
    return tf.tidy(() => {
      const rms = tf.sqrt(tf.add(tf.mean(tf.square(a), -1, true), NORM_EPSILON));
      return tf.mul(tf.div(a, rms), this.gain!.read()) as T;
    });
  }

  /**
   * Consumes one token xt [batch, dim] and returns its output [batch, dim], equal to the causal forward's at that
   * position, with the new state. O(heads·p²) per token at any position. Causal form only. The input state is not
   * disposed; the returned tensors are kept out of any enclosing tidy.
   */
  step(state: LinearAttentionState, xt: tf.Tensor): { output: tf.Tensor2D; state: LinearAttentionState } {
    const result = tf.tidy(() => {
      const { q, k, v } = this.stepFeatures(state, xt);
      const r = linearAttentionStep(state.sum, q, k, v);
      const merged = this.rmsNormalise(tf.reshape(r.output, [v.shape[0], this.dim]) as tf.Tensor2D);
      return { output: this.projectOutput(merged, false), sum: r.state };
    });
    return { output: tf.keep(result.output), state: { sum: tf.keep(result.sum) } };
  }
}

tf.serialization.registerClass(NormLinearAttention);
