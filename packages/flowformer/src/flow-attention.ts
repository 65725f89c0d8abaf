import * as tf from '@tensorflow/tfjs-core';
import { ProjectedAttention, type ProjectedHeads } from '@tost/attention';
import { flowAttention } from './flow-attention-core.js';

/**
 * Flow-Attention (Flowformer; Wu et al., "Flowformer: Linearizing Transformers with Conservation Flows", ICML 2022,
 * arXiv 2202.06258), non-causal: the authors' `Flow_Attention` (thuml/Flowformer) with ε = 1e-6 — sigmoid feature
 * maps, incoming/outgoing flows, conservation refinement, competition (softmax over tokens) and allocation (sigmoid).
 * O(N·p²) time and O(N·p) memory per head; see `flowAttention` for the formulas.
 *
 * Weights, in order: query_kernel, query_bias, key_kernel, key_bias, value_kernel, value_bias, output_kernel,
 * output_bias (biases when `useBias`, default true); kernels [dim, dim] in the tfjs layout [in, out].
 * Padding: padded tokens are left out of every sum, the softmax and the token count.
 */
export class FlowAttention extends ProjectedAttention {
  static className = 'FlowAttention';
  static override readonly traits = { causal: false, complexity: 'linear', useBias: true } as const;

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    return flowAttention(heads.query!, heads.key!, heads.value!, mask);
  }
}

tf.serialization.registerClass(FlowAttention);
