import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ProjectedAttention, headTokenMask, type ProjectedHeads } from '@tost/attention';
import { channelAttention } from './channel-attention.js';

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
 * that mixes tokens; `channelAttention`'s hand-written gradient keeps only q, k, v). τ_h is a learnable temperature
 * per head (`temperature` [heads], initialised to 1; not weight-decayed).
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true), then `temperature` [heads].
 */
export class XCA extends ProjectedAttention {
  static className = 'XCA';
  static override readonly traits = { causal: false, complexity: 'linear', useBias: true } as const;
  private temperature?: tfl.LayerVariable;

  protected override buildCoreWeights(): void {
    this.temperature = this.addCoreWeight('temperature', [this.heads], 'ones');
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    let { query: q, key: k, value: v } = heads as Required<ProjectedHeads>;
    if (mask) {
      // Padded tokens hold only the projection biases (finite): a product zeroes them exactly.
      const real = headTokenMask(mask);
      [q, k, v] = [q, k, v].map((t) => tf.mul(t, real) as tf.Tensor4D) as [
        tf.Tensor4D,
        tf.Tensor4D,
        tf.Tensor4D,
      ];
    }
    return channelAttention(q, k, v, this.temperature!.read() as tf.Tensor1D);
  }
}

tf.serialization.registerClass(XCA);
