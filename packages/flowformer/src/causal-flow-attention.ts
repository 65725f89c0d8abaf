import * as tf from '@tensorflow/tfjs-core';
import { StreamingProjectedAttention, type ProjectedHeads, type StepResult } from '@tost/attention';
import { causalFlowAttention } from './causal-flow-attention-core.js';
import { CAUSAL_FLOW_STATE, type CausalFlowState } from './causal-flow-state.js';
import { causalFlowStep } from './causal-flow-step.js';

/**
 * Causal Flow-Attention (Wu et al., ICML 2022, arXiv 2202.06258): the authors' `Flow_Attention_Causal`
 * (thuml/Flowformer) with ε = 1e-6 — prefix-sum flows scaled by the number of tokens so far, a running softmax for
 * competition — evaluated by chunks (no [N, N] and no [N, p, p] tensor; see `causalFlowAttention`), and streaming
 * decoding with O(p²) state per head (`initState` / `step`, equal to the full forward).
 *
 * Weights as `FlowAttention`: query, key, value and output kernels [dim, dim] with biases (`useBias`, default true).
 */
export class CausalFlowAttention extends StreamingProjectedAttention<typeof CAUSAL_FLOW_STATE> {
  static className = 'CausalFlowAttention';
  static override readonly traits = { causal: true, complexity: 'linear', useBias: true } as const;

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    return causalFlowAttention(heads.query!, heads.key!, heads.value!, mask);
  }

  protected readonly stateSpec = CAUSAL_FLOW_STATE;

  /** One token (inference: no dropout); O(dim² + heads·p²) at any position. */
  protected advance(state: CausalFlowState, xt: tf.Tensor2D): StepResult<typeof CAUSAL_FLOW_STATE> {
    const q = this.tokenHeads('query', xt);
    const { y, state: next } = causalFlowStep(
      state,
      q,
      this.tokenHeads('key', xt),
      this.tokenHeads('value', xt),
    );
    return { output: this.tokenOutput(y), state: next };
  }
}

tf.serialization.registerClass(CausalFlowAttention);
