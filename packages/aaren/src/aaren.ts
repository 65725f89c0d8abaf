import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { StreamingProjectedAttention, type ProjectedHeads, type StepResult } from '@tost/attention';
import { AAREN_STATE, aarenStep, type AarenState } from './aaren-state.js';
import { causalPrefixSoftmax } from './causal-prefix-softmax.js';

/**
 * Aaren (Feng et al., "Attention as a Recurrent Neural Network" / "Attention as an RNN", arXiv 2405.13956): causal
 * softmax attention of a LEARNED query per head over the keys so far, `o_t = Σ_{s≤t} softmax_s(q_k·k_s/√p)·v_s`.
 * With one query the whole prefix softmax is O(N·p) (`causalPrefixSoftmax`: chunked, running max, hand-written
 * gradient), and decoding is an RNN with O(p) state per head (`initState` / `step`, equal to the full forward).
 *
 * No query projection. Weights, in order: key_kernel, key_bias, value_kernel, value_bias, output_kernel, output_bias
 * (biases when `useBias`, default true; kernels [dim, dim] in the tfjs layout [in, out]), then `query` [heads, p]
 * (glorot-uniform).
 */
export class Aaren extends StreamingProjectedAttention<typeof AAREN_STATE> {
  static className = 'Aaren';
  static override readonly traits = { causal: true, complexity: 'linear', useBias: true } as const;
  static override readonly projections = { roles: ['key', 'value'] } as const;
  private query?: tfl.LayerVariable;

  protected override buildCoreWeights(): void {
    this.query = this.addCoreWeight('query', [this.heads, this.headDim]);
  }

  /** The learned queries, scaled by 1/√p, broadcastable against keys of rank `rank` ([1, heads, (1,) p]). */
  private scaledQuery(rank: 3 | 4): tf.Tensor {
    const shape = rank === 4 ? [1, this.heads, 1, this.headDim] : [1, this.heads, this.headDim];
    return tf.mul(tf.reshape(this.query!.read(), shape), 1 / Math.sqrt(this.headDim));
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    const scores = tf.sum(tf.mul(heads.key!, this.scaledQuery(4)), 3) as tf.Tensor3D;
    return causalPrefixSoftmax(scores, heads.value!, mask);
  }

  protected readonly stateSpec = AAREN_STATE;

  /** One token (inference: no dropout); O(dim²) at any position. */
  protected advance(state: AarenState, xt: tf.Tensor2D): StepResult<typeof AAREN_STATE> {
    const score = tf.sum(tf.mul(this.tokenHeads('key', xt), this.scaledQuery(3)), 2, true) as tf.Tensor3D;
    const { y, state: next } = aarenStep(state, score, this.tokenHeads('value', xt));
    return { output: this.tokenOutput(y), state: next };
  }
}

tf.serialization.registerClass(Aaren);
