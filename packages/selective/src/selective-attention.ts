import * as tf from '@tensorflow/tfjs-core';
import { ProjectedAttention, type ProjectedHeads } from '@tost/attention';
import { finiteOrZero } from '@tost/ops';
import { fusedSelectiveAttention } from './fused-selective.js';

/**
 * Selective Attention (Leviathan, Kalman, Matias, "Selective Attention Improves Transformer", ICLR 2025,
 * arXiv 2410.02703): causal softmax attention in which a token can fade an earlier token for every later query,
 * with no extra weights. Per head h, L_h = q·kᵀ/√p; head 0's scores select: S[i, j] = relu(L_0[i, j]) for real
 * tokens 1 ≤ j < i (the first token is never faded, no token fades itself); the accumulated fading
 * F[i, j] = Σ_{k<i} S[k, j] is subtracted from every head's logits: O_h = softmax_j(L_h − F) over the real keys
 * j ≤ i, times v_h; heads merged, output projection. Quadratic like `softmax-causal`, run by a fused per-sample path
 * (`fusedSelectiveAttention`: groups of samples, hand-written backward keeping the softmax weights only).
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true) — the same as softmax attention's.
 */
export class SelectiveAttention extends ProjectedAttention {
  static className = 'SelectiveAttention';
  static override readonly traits = { causal: true, complexity: 'quadratic', useBias: true } as const;

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    // Scale q, not the [N, N] scores: N·C multiplies instead of N².
    const q = tf.mul(heads.query!, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    const [batch, , seq] = q.shape;
    // Future tokens may hold anything: zero non-finite values so 0·NaN cannot reach earlier outputs through P·V.
    const v = finiteOrZero(heads.value!);
    return fusedSelectiveAttention(q, heads.key!, v, mask ?? (tf.ones([batch, seq]) as tf.Tensor2D));
  }
}

tf.serialization.registerClass(SelectiveAttention);
