import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  validateInitStateBatch,
  validateStepInput,
  type AttentionOptions,
  type ProjectedHeads,
  type StreamingAttention,
} from '@tost/attention';
import { causalFlowAttention } from './causal-flow-attention-core.js';
import {
  createCausalFlowState,
  disposeCausalFlowState,
  validateCausalFlowState,
  type CausalFlowState,
} from './causal-flow-state.js';
import { causalFlowStep } from './causal-flow-step.js';

/**
 * Causal Flow-Attention (Wu et al., ICML 2022, arXiv 2202.06258): the authors' `Flow_Attention_Causal`
 * (thuml/Flowformer) with ε = 1e-6 — prefix-sum flows scaled by the number of tokens so far, a running softmax for
 * competition — evaluated by chunks (no [N, N] and no [N, p, p] tensor; see `causalFlowAttention`), and streaming
 * decoding with O(p²) state per head (`initState` / `step`, equal to the full forward).
 *
 * Weights as `FlowAttention`: query, key, value and output kernels [dim, dim] with biases (`useBias`, default true).
 */
export class CausalFlowAttention extends ProjectedAttention implements StreamingAttention<CausalFlowState> {
  static className = 'CausalFlowAttention';

  constructor(options: AttentionOptions) {
    super(options, { useBias: true });
  }

  get causal(): boolean {
    return true;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    return causalFlowAttention(heads.query!, heads.key!, heads.value!, mask);
  }

  /** The state before the first token for `batch` independent sequences. */
  initState(batch: number): CausalFlowState {
    validateInitStateBatch(batch, `${this.layerClass} '${this.name}'`);
    return createCausalFlowState(batch, this.heads, this.headDim);
  }

  disposeState(state: CausalFlowState): void {
    disposeCausalFlowState(state);
  }

  /**
   * Consumes one token xt [batch, dim] and returns its output [batch, dim] (the full causal forward's output at that
   * position) and the advanced state. Inference only (no dropout). O(dim² + heads·p²) per token at any position.
   * The state passed in is not disposed; the returned tensors are kept out of any enclosing tidy.
   */
  step(state: CausalFlowState, xt: tf.Tensor): { output: tf.Tensor2D; state: CausalFlowState } {
    this.assertBuilt('step');
    const label = `${this.layerClass} '${this.name}'`;
    const batch = validateCausalFlowState(state, this.heads, this.headDim, `${label} step`);
    validateStepInput(xt, batch, this.dim, label);
    const result = tf.tidy(() => {
      const token = tf.expandDims(xt, 1) as tf.Tensor3D;
      const split = (role: 'query' | 'key' | 'value'): tf.Tensor3D =>
        tf.reshape(this.project(role, token), [batch, this.heads, this.headDim]);
      const { y, state: next } = causalFlowStep(state, split('query'), split('key'), split('value'));
      const output = this.projectOutput(tf.reshape(y, [batch, this.dim]) as tf.Tensor2D, false);
      return { output, ...next };
    });
    const { output, position, ...tensors } = result;
    for (const t of [output, ...Object.values(tensors)]) tf.keep(t);
    return { output, state: { ...tensors, position } };
  }
}

tf.serialization.registerClass(CausalFlowAttention);
