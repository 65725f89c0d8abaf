import * as tf from '@tensorflow/tfjs-core';
import { EluLinearBase, type EluLinearOptions } from './elu-linear-base.js';

export type LinearAttentionOptions = EluLinearOptions;

/** ε of the normaliser: O = num / (den + 1e-6) (Katharopoulos et al.'s public `LinearAttention`, eps = 1e-6). */
export const LINEAR_EPSILON = 1e-6;

/**
 * Kernelized linear attention (Katharopoulos et al., "Transformers are RNNs: Fast Autoregressive Transformers with
 * Linear Attention", ICML 2020, arXiv 2006.16236, §3.2): with φ = elu + 1, per head
 * `O_i = Σ_j (φ(q_i)·φ(k_j)) v_j / (Σ_j φ(q_i)·φ(k_j) + 1e-6)` over real keys j (j ≤ i when causal), computed as
 * φ(Q)·(φ(K)ᵀ·[V, 1]) — never an N×N matrix; the causal form is chunked (`chunkLinearAttention` of @tost/ops) with a carried
 * state, and streams one token at a time (§3.4): state S = Σ φ(k)ᵀ·[v, 1] [batch, heads, p, p + 1].
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases [dim], output kernel and bias (biases only with
 * `useBias`, default true). Time O(N·p·dim) plus the projections; memory O(N·dim).
 */
export class LinearAttention extends EluLinearBase {
  static className = 'LinearAttention';

  constructor(options: LinearAttentionOptions) {
    super(options);
  }

  protected get appendsOnes(): boolean {
    return true;
  }

  /** [num, den] → num / (den + ε). */
  protected finish(out: tf.Tensor4D): tf.Tensor4D {
    return normalise(out, this.headDim);
  }
}

/** [num, den] [batch, heads, seq, p + 1] → num / (den + ε). */
function normalise(out: tf.Tensor4D, p: number): tf.Tensor4D {
  const [batch, heads, seq] = out.shape;
  const num = tf.slice(out, [0, 0, 0, 0], [batch, heads, seq, p]);
  const den = tf.slice(out, [0, 0, 0, p], [batch, heads, seq, 1]);
  return tf.div(num, tf.add(den, LINEAR_EPSILON)) as tf.Tensor4D;
}

tf.serialization.registerClass(LinearAttention);
