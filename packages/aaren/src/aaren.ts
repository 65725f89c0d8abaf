import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  ProjectedAttention,
  validateInitStateBatch,
  validateStepInput,
  type AttentionOptions,
  type ProjectedHeads,
  type ProjectionRole,
  type StreamingAttention,
} from '@tost/attention';
import {
  aarenStep,
  createAarenState,
  disposeAarenState,
  validateAarenState,
  type AarenState,
} from './aaren-state.js';
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
export class Aaren extends ProjectedAttention implements StreamingAttention<AarenState> {
  static className = 'Aaren';
  private query?: tfl.LayerVariable;

  constructor(options: AttentionOptions) {
    super(options, { useBias: true });
  }

  get causal(): boolean {
    return true;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  protected override get projectionRoles(): readonly ProjectionRole[] {
    return ['key', 'value'];
  }

  protected override buildCoreWeights(): void {
    this.query = this.addWeight(
      'query',
      [this.heads, this.headDim],
      'float32',
      tfl.initializers.glorotUniform({}),
    );
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

  /** The state before the first token for `batch` independent sequences. */
  initState(batch: number): AarenState {
    validateInitStateBatch(batch, `${this.layerClass} '${this.name}'`);
    return createAarenState(batch, this.heads, this.headDim);
  }

  disposeState(state: AarenState): void {
    disposeAarenState(state);
  }

  /**
   * Consumes one token xt [batch, dim] and returns its output [batch, dim] (the full causal forward's output at that
   * position) and the advanced state. Inference only (no dropout). O(dim²) per token at any position. The state
   * passed in is not disposed; the returned tensors are kept out of any enclosing tidy.
   */
  step(state: AarenState, xt: tf.Tensor): { output: tf.Tensor2D; state: AarenState } {
    this.assertBuilt('step');
    const label = `${this.layerClass} '${this.name}'`;
    const batch = validateAarenState(state, this.heads, this.headDim, `${label} step`);
    validateStepInput(xt, batch, this.dim, label);
    const result = tf.tidy(() => {
      const token = tf.expandDims(xt, 1) as tf.Tensor3D;
      const split = (role: 'key' | 'value'): tf.Tensor3D =>
        tf.reshape(this.project(role, token), [batch, this.heads, this.headDim]);
      const score = tf.sum(tf.mul(split('key'), this.scaledQuery(3)), 2, true) as tf.Tensor3D;
      const { y, state: next } = aarenStep(state, score, split('value'));
      return { output: this.projectOutput(tf.reshape(y, [batch, this.dim]) as tf.Tensor2D, false), ...next };
    });
    const { output, ...next } = result;
    for (const t of [output, ...Object.values(next)]) tf.keep(t);
    return { output, state: next };
  }
}

tf.serialization.registerClass(Aaren);
