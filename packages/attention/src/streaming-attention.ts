import * as tf from '@tensorflow/tfjs-core';
import { ProjectedAttention } from './projected-attention.js';
import type { ProjectionRole } from './projected-attention.js';
import { validateInitStateBatch, validateStepInput, type StreamingAttention } from './streaming.js';
import {
  createStreamingState,
  disposeStreamingState,
  validateStreamingState,
  type StateSizes,
  type StateSpec,
  type StateTensors,
  type StreamingState,
} from './streaming-state.js';

/** What `advance` returns: one token's output [batch, dim] and every tensor of the next state (new tensors). */
export type StepResult<S extends StateSpec> = { output: tf.Tensor2D; state: StateTensors<S> };

/**
 * Base of a projected attention that also decodes token by token (`StreamingAttention`). A subclass declares its
 * state and writes the step maths; the base writes the rest once:
 *
 * - `stateSpec`: the state's tensors, name → shape in `'batch'`, `'heads'`, `'headDim'`, `'dim'` and the sizes of
 *   `stateSizes()` (see `StateSpec`); `initState`, `disposeState` and `validateState` follow from it, and the state
 *   also carries `position`, the number of tokens consumed so far.
 * - `advance(state, xt, batch)`: one token's maths, called inside `tf.tidy` after the prologue — the layer is built,
 *   it can stream (`streamingUnavailable`), the state matches the spec, xt is float32 [batch, dim]. It returns the
 *   output [batch, dim] and every tensor of the next state as NEW tensors (`tf.clone` an entry that does not
 *   change); `step` keeps them out of any enclosing tidy and advances `position`. `tokenHeads` and `tokenOutput`
 *   are the usual first and last lines.
 *
 * ```ts
 * const STATE = { sum: { shape: ['batch', 'heads', 'headDim', 'headDim'] } } as const satisfies StateSpec;
 * class MyAttention extends StreamingProjectedAttention<typeof STATE> {
 *   protected readonly stateSpec = STATE;
 *   protected advance(state: StreamingState<typeof STATE>, xt: tf.Tensor2D): StepResult<typeof STATE> {
 *     const k = this.tokenHeads('key', xt); // [batch, heads, p]
 *     …
 *     return { output: this.tokenOutput(y), state: { sum } };
 *   }
 * }
 * ```
 *
 * Ownership (the `StreamingAttention` contract): `step` does not dispose the state passed in; the returned output and
 * state belong to the caller (`disposeState`). Inference only: no dropout, no mask.
 */
export abstract class StreamingProjectedAttention<S extends StateSpec>
  extends ProjectedAttention
  implements StreamingAttention<StreamingState<S>>
{
  /** The tensors of the state: name → shape in named sizes (declare the object `as const`). */
  protected abstract readonly stateSpec: S;

  /** Sizes `stateSpec` names besides `batch`, `heads`, `headDim` and `dim`. Default: none. */
  protected stateSizes(): StateSizes {
    return {};
  }

  /**
   * Why this layer cannot stream, completing "<layer>: step …" (e.g. "needs the causal form ('x-causal')"), or
   * undefined when it can. Default: it can.
   */
  protected get streamingUnavailable(): string | undefined {
    return undefined;
  }

  /**
   * The step maths for one token xt [batch, dim] (already checked, inside `tf.tidy`): the output [batch, dim] and
   * every tensor of the next state, as new tensors. `state.position` is the position of xt.
   */
  protected abstract advance(state: StreamingState<S>, xt: tf.Tensor2D, batch: number): StepResult<S>;

  /** The state before the first token for `batch` independent sequences (positive integer). */
  initState(batch: number): StreamingState<S> {
    this.assertCanStream('initState');
    validateInitStateBatch(batch, this.streamingLabel);
    return createStreamingState(this.stateSpec, batch, this.allStateSizes());
  }

  /** Disposes the tensors of a state. */
  disposeState(state: StreamingState<S>): void {
    disposeStreamingState(this.stateSpec, state);
  }

  /**
   * Checks that `state` fits this layer (every tensor of its spec, shapes for these heads and sizes, not disposed)
   * and returns its batch size. @throws an error naming the state entry, the shape expected and the shape given.
   */
  validateState(state: StreamingState<S>, method = 'step'): number {
    return validateStreamingState(
      this.stateSpec,
      state,
      this.allStateSizes(),
      `${this.streamingLabel} ${method}`,
    );
  }

  /**
   * Consumes one token per sequence, xt [batch, dim] (float32), and returns its output [batch, dim] — equal to the
   * full causal forward's output at that position — with the advanced state. The state passed in is not disposed;
   * the returned tensors are kept out of any enclosing tf.tidy (dispose them with `disposeState`).
   */
  step(state: StreamingState<S>, xt: tf.Tensor): { output: tf.Tensor2D; state: StreamingState<S> } {
    this.assertBuilt('step');
    this.assertCanStream('step');
    const batch = this.validateState(state);
    const token = validateStepInput(xt, batch, this.dim, this.streamingLabel);
    const result = tf.tidy(() => this.advance(state, token, batch));
    tf.keep(result.output);
    const next = result.state as Record<string, tf.Tensor>;
    for (const name of Object.keys(this.stateSpec)) tf.keep(next[name]!);
    return { output: result.output, state: { ...result.state, position: state.position + 1 } };
  }

  /** One token's projection for `role`, split into heads: xt [batch, dim] → [batch, heads, headDim]. */
  protected tokenHeads(role: ProjectionRole, xt: tf.Tensor2D): tf.Tensor3D {
    const [batch] = xt.shape;
    const projected = this.project(role, tf.expandDims(xt, 1) as tf.Tensor3D);
    return tf.reshape(projected, [batch, this.heads, this.headDim]);
  }

  /**
   * One token's attention output, per head [batch, heads, headDim] (or [batch, heads, 1, headDim]) or merged
   * [batch, dim], through the output projection (inference) → [batch, dim].
   */
  protected tokenOutput(y: tf.Tensor): tf.Tensor2D {
    return this.projectOutput(tf.reshape(y, [y.shape[0]!, this.dim]) as tf.Tensor2D, false);
  }

  /** "<class> '<name>'": the prefix of every streaming error message (add the method, e.g. `step`). */
  protected get streamingLabel(): string {
    return `${this.layerClass} '${this.name}'`;
  }

  private allStateSizes(): StateSizes {
    return { heads: this.heads, headDim: this.headDim, dim: this.dim, ...this.stateSizes() };
  }

  private assertCanStream(method: string): void {
    const reason = this.streamingUnavailable;
    if (reason !== undefined) throw new Error(`${this.streamingLabel}: ${method} ${reason}`);
  }
}
