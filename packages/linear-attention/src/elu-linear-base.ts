import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  headTokenMask,
  validateInitStateBatch,
  validateStepInput,
  type AttentionOptions,
  type LayerBaseArgs,
  type ProjectedHeads,
  type StreamingAttention,
} from '@tost/attention';
import { chunkLinearAttention, nonCausalLinearAttention, recurrentLinearAttentionStep } from '@tost/ops';
import { eluFeatureMap } from './elu-feature-map.js';
import { createLinearState, validateLinearState, type LinearAttentionState } from './linear-state.js';

export interface EluLinearOptions extends AttentionOptions {
  /** Token t attends only to tokens ≤ t (fixed by the registered name: `…-causal`). Default false. */
  causal?: boolean;
}

/** Tokens per chunk of the causal core (see `chunkLinearAttention`): cost O(N·128·p + N·p²). */
export const CAUSAL_CHUNK = 128;

/**
 * What `linear` and `norm-linear` share: q/k/v projections with bias, the feature map φ = elu + 1 on queries and keys
 * (padded keys zeroed), the `causal` option, and the streaming state S = Σ φ(k)ᵀ·v' of the causal forms.
 */
export abstract class EluLinearBase
  extends ProjectedAttention
  implements StreamingAttention<LinearAttentionState>
{
  static override optionNames: readonly string[] = ['causal'];
  readonly isCausal: boolean;

  protected constructor(options: EluLinearOptions & LayerBaseArgs) {
    super(options, { useBias: true });
    const target = new.target as unknown as { className?: string };
    if (options.causal !== undefined && typeof options.causal !== 'boolean') {
      throw new TypeError(
        `${target.className}: option 'causal' must be a boolean, got ${String(options.causal)}`,
      );
    }
    this.isCausal = options.causal ?? false;
  }

  get causal(): boolean {
    return this.isCausal;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  /** Whether a column of ones is appended to v, so that the core also returns the normaliser Σ φ(q)·φ(k). */
  protected abstract get appendsOnes(): boolean;

  /** Columns of the state per head: p, plus one for the normaliser when `appendsOnes`. */
  protected get stateWidth(): number {
    return this.headDim + (this.appendsOnes ? 1 : 0);
  }

  /**
   * From the core's output [batch, heads, seq, stateWidth] to what goes into the output projection: [batch, heads,
   * seq, p] or merged [batch, seq, dim]. Used by the full forward and (with seq = 1) by `step`.
   */
  protected abstract finish(out: tf.Tensor4D): tf.Tensor4D | tf.Tensor3D;

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D | tf.Tensor3D {
    const { q, k, v } = this.features(heads, mask);
    const values = this.appendsOnes
      ? (tf.concat([v, tf.onesLike(tf.slice(v, 0, [-1, -1, -1, 1]))], 3) as tf.Tensor4D)
      : v;
    const out = this.isCausal
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

  /** One token's φ(q), φ(k) [batch, heads, p] and v [batch, heads, p], checked against the state. */
  protected stepFeatures(
    state: LinearAttentionState,
    xt: tf.Tensor,
  ): { q: tf.Tensor3D; k: tf.Tensor3D; v: tf.Tensor3D } {
    this.assertBuilt('step');
    const label = `${this.layerClass} '${this.name}'`;
    if (!this.isCausal) {
      throw new Error(
        `${label}: step needs the causal form (register name '…-causal' or option causal: true)`,
      );
    }
    const batch = validateLinearState(state, this.heads, this.headDim, this.stateWidth, `${label} step`);
    validateStepInput(xt, batch, this.dim, label);
    const token = tf.expandDims(xt, 1) as tf.Tensor3D;
    const split = (role: 'query' | 'key' | 'value') =>
      tf.reshape(this.project(role, token), [batch, this.heads, this.headDim]) as tf.Tensor3D;
    return { q: eluFeatureMap(split('query')), k: eluFeatureMap(split('key')), v: split('value') };
  }

  /** The state before the first token, for `batch` independent sequences. */
  initState(batch: number): LinearAttentionState {
    validateInitStateBatch(batch, `${this.layerClass} '${this.name}'`);
    return createLinearState(batch, this.heads, this.headDim, this.stateWidth);
  }

  disposeState(state: LinearAttentionState): void {
    tf.dispose(state.sum);
  }

  /**
   * Consumes one token xt [batch, dim] and returns its output [batch, dim], equal to the causal forward's at that
   * position, with the new state. O(heads·p²) per token at any position. Causal form only. The input state is not
   * disposed; the returned tensors are kept out of any enclosing tidy.
   */
  step(state: LinearAttentionState, xt: tf.Tensor): { output: tf.Tensor2D; state: LinearAttentionState } {
    const result = tf.tidy(() => {
      const { q, k, v } = this.stepFeatures(state, xt);
      const [batch, heads] = v.shape;
      const values = this.appendsOnes ? (tf.concat([v, tf.ones([batch, heads, 1])], 2) as tf.Tensor3D) : v;
      const r = recurrentLinearAttentionStep(state.sum, q, k, values);
      const o = this.finish(tf.expandDims(r.output, 2) as tf.Tensor4D);
      return {
        output: this.projectOutput(tf.reshape(o, [batch, this.dim]) as tf.Tensor2D, false),
        sum: r.state,
      };
    });
    return { output: tf.keep(result.output), state: { sum: tf.keep(result.sum) } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), causal: this.isCausal };
  }
}
