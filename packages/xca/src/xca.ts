import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  ProjectedAttention,
  batchMatMul,
  headTokenMask,
  type AttentionOptions,
  type ProjectedHeads,
} from '@tost/attention';

/** Floor of a channel's norm over the tokens (`F.normalize`'s ε): an all-zero channel stays 0 instead of NaN. */
export const XCA_NORM_EPSILON = 1e-12;

/**
 * Cross-covariance attention, XCA (El-Nouby et al., "XCiT: Cross-Covariance Image Transformers", NeurIPS 2021,
 * arXiv 2106.09681, §3.1; the channel group attention of DaViT, arXiv 2204.03645, is the same operation): attention
 * between the p channels of each head instead of between tokens. Per head, with q, k, v [N, p] (0 at padded tokens)
 * and every channel L2-normalised over the tokens, q̂_{·i} = q_{·i} / max(‖q_{·i}‖, 1e-12) (k̂ likewise):
 *
 *   A = softmax_j(τ_h · q̂ᵀ·k̂)   [p, p], row i = query channel
 *   o_{n,i} = Σ_j A_{ij} v_{n,j}
 *
 * then heads merged and the output projection. Non-causal; time O(N·p²) per head, memory O(N·p) (the p×p map is all
 * that mixes tokens). τ_h is a learnable temperature per head (`temperature` [heads], initialised to 1; not
 * weight-decayed).
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true), then `temperature` [heads].
 */
export class XCA extends ProjectedAttention {
  static className = 'XCA';
  private temperature?: tfl.LayerVariable;

  constructor(options: AttentionOptions) {
    super(options, { useBias: true });
  }

  get causal(): boolean {
    return false;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  protected override buildCoreWeights(): void {
    this.temperature = this.addWeight('temperature', [this.heads], 'float32', tfl.initializers.ones());
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    let { query: q, key: k, value: v } = heads as Required<ProjectedHeads>;
    if (mask) {
      // Padded tokens hold only the projection biases (finite): a product zeroes them exactly.
      const real = headTokenMask(mask);
      [q, k, v] = [q, k, v].map((t) => tf.mul(t, real) as tf.Tensor4D) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    }
    const cross = batchMatMul(normalizeOverTokens(q), normalizeOverTokens(k), true, false); // [B, H, p, p]
    const tau = tf.reshape(this.temperature!.read(), [1, this.heads, 1, 1]);
    const attention = tf.softmax(tf.mul(cross, tau)) as tf.Tensor4D;
    return batchMatMul(v, attention, false, true);
  }
}

/** Each channel of t [batch, heads, N, p] divided by its L2 norm over the N tokens, floored at 1e-12. */
function normalizeOverTokens(t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    // sqrt(max(Σ t², ε²)) = max(‖t‖, ε), with a finite gradient at an all-zero channel.
    const squares = tf.sum(tf.square(t), 2, true);
    return tf.div(t, tf.sqrt(tf.maximum(squares, XCA_NORM_EPSILON ** 2))) as tf.Tensor4D;
  });
}

tf.serialization.registerClass(XCA);
