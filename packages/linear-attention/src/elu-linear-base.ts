import * as tf from '@tensorflow/tfjs-core';
import {
  StreamingProjectedAttention,
  headTokenMask,
  type AttentionOptions,
  type ProjectedHeads,
  type StateSizes,
  type StepResult,
} from '@tost/attention';
import { chunkLinearAttention, nonCausalLinearAttention, recurrentLinearAttentionStep } from '@tost/ops';
import { eluFeatureMap } from './elu-feature-map.js';
import { LINEAR_STATE, type LinearAttentionState } from './linear-state.js';

export interface EluLinearOptions extends AttentionOptions {
  /** Token t attends only to tokens ≤ t (fixed by the registered name: `…-causal`). Default false. */
  causal?: boolean;
}

/**
 * Tokens per chunk of the causal core (see `chunkLinearAttention`): cost O(N·64·p + N·p²). On the wasm backend (one
 * core), forward and backward ran 1.6–2× faster with 64 than with 128 at p = 16 and N = 192 (MQAR's shapes), and about
 * as fast at p = 64 and N = 4,096.
 */
export const CAUSAL_CHUNK = 64;

/**
 * What `linear` and `norm-linear` share: q/k/v projections with bias, the feature map φ = elu + 1 on queries and keys
 * (padded keys zeroed), the `causal` option, and the streaming state S = Σ φ(k)ᵀ·v' of the causal forms.
 */
export abstract class EluLinearBase extends StreamingProjectedAttention<typeof LINEAR_STATE> {
  static override readonly traits = { causal: 'option', complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['causal'];

  /** Whether a column of ones is appended to v, so that the core also returns the normaliser Σ φ(q)·φ(k). */
  protected abstract get appendsOnes(): boolean;

  protected readonly stateSpec = LINEAR_STATE;

  /** Columns of the state per head: p, plus one for the normaliser when `appendsOnes`. */
  protected override stateSizes(): StateSizes {
    return { width: this.headDim + (this.appendsOnes ? 1 : 0) };
  }

  protected override get streamingUnavailable(): string | undefined {
    return this.causal
      ? undefined
      : "needs the causal form (register name '…-causal' or option causal: true)";
  }

  /**
   * From the core's output [batch, heads, seq, width] (width: see `stateSizes`) to what goes into the output
   * projection: [batch, heads, seq, p] or merged [batch, seq, dim]. Used by the full forward and (seq = 1) by `step`.
   */
  protected abstract finish(out: tf.Tensor4D): tf.Tensor4D | tf.Tensor3D;

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D | tf.Tensor3D {
    const { q, k, v } = this.features(heads, mask);
    const values = this.appendsOnes
      ? (tf.concat([v, tf.onesLike(tf.slice(v, 0, [-1, -1, -1, 1]))], 3) as tf.Tensor4D)
      : v;
    const out = this.causal
      ? chunkLinearAttention(q, k, values, { chunkSize: CAUSAL_CHUNK })
      : nonCausalLinearAttention(q, k, values);
    return this.finish(out);
  }

  /** φ(q), φ(k) with padded keys zeroed, and v, all [batch, heads, seq, p]. */
  protected features(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
  ): { q: tf.Tensor4D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const q = eluFeatureMap(heads.query!);
    const k = eluFeatureMap(heads.key!);
    // Padded tokens hold only the projection biases (finite), so a product zeroes them exactly.
    return { q, k: mask ? (tf.mul(k, headTokenMask(mask)) as tf.Tensor4D) : k, v: heads.value! };
  }

  /**
   * One token of the causal form (§3.4): S ← S + φ(k)ᵀ·v', o = φ(q)·S, then `finish`. O(heads·p²) at any position.
   */
  protected advance(
    state: LinearAttentionState,
    xt: tf.Tensor2D,
    batch: number,
  ): StepResult<typeof LINEAR_STATE> {
    const q = eluFeatureMap(this.tokenHeads('query', xt));
    const k = eluFeatureMap(this.tokenHeads('key', xt));
    const v = this.tokenHeads('value', xt);
    const values = this.appendsOnes ? (tf.concat([v, tf.ones([batch, this.heads, 1])], 2) as tf.Tensor3D) : v;
    const r = recurrentLinearAttentionStep(state.sum, q, k, values);
    const o = this.finish(tf.expandDims(r.output, 2) as tf.Tensor4D);
    return { output: this.tokenOutput(o), state: { sum: r.state } };
  }
}
