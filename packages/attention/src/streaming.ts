import * as tf from '@tensorflow/tfjs-core';

/**
 * The recurrent form of a causal attention: a state of fixed size per sequence, advanced one token at a time.
 * Feeding tokens x_0 … x_{t} through `step` gives exactly the outputs of the full causal forward at positions
 * 0 … t (tested by the conformance kit). Variants whose descriptor says `streaming: true` implement it; `generate`
 * and `tost-bench scaling`'s decoding section use it for any such variant.
 *
 * Ownership: `step` does not dispose the state passed in; the returned output and state are new tensors kept out of
 * any enclosing `tf.tidy` — dispose them with `disposeState` (or `tf.dispose`) when no longer needed.
 *
 * To implement it, extend `StreamingProjectedAttention` (streaming-attention.ts): declare the state's tensors and
 * write the step maths; initState, disposeState, state validation and the step prologue come with it.
 */
export interface StreamingAttention<State = unknown> {
  /** The state before the first token for `batch` independent sequences (positive integer). */
  initState(batch: number): State;
  /** Consumes one token per sequence, xt [batch, dim] (float32), and returns its output [batch, dim]. */
  step(state: State, xt: tf.Tensor): { output: tf.Tensor2D; state: State };
  /** Disposes the tensors a state holds. */
  disposeState(state: State): void;
  /**
   * Optional: consumes a whole block of tokens x [batch, seq, dim] (float32) from `state` at once (chunk-wise, the
   * training form's cost) and returns the outputs [batch, seq, dim] and the state after the block — equal to `step`
   * over every token. `generate` prefills a prompt with it when every block's attention has it. The state passed in is
   * not disposed; the returned tensors are kept out of any enclosing tidy.
   */
  prefill?(state: State, x: tf.Tensor): { output: tf.Tensor3D; state: State };
}

/** Whether a streaming attention can consume a whole prompt at once (`prefill`). */
export function canPrefill(
  layer: StreamingAttention,
): layer is StreamingAttention & Required<Pick<StreamingAttention, 'prefill'>> {
  return typeof layer.prefill === 'function';
}

/** Whether `layer` implements the streaming interface. */
export function isStreamingAttention(layer: unknown): layer is StreamingAttention {
  const l = layer as Partial<StreamingAttention> | null;
  return (
    l != null &&
    typeof l.initState === 'function' &&
    typeof l.step === 'function' &&
    typeof l.disposeState === 'function'
  );
}

/** Every tensor found in a (nested) state object. */
export function stateTensors(state: unknown): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof tf.Tensor) out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(state);
  return out;
}

/**
 * Checks the common arguments of `step`: xt is a float32 [batch, dim] tensor whose batch equals the state's.
 * Throws an error naming the layer, the argument, what was expected and what was given.
 */
export function validateStepInput(xt: unknown, batch: number, dim: number, label: string): tf.Tensor2D {
  if (!(xt instanceof tf.Tensor) || xt.rank !== 2 || xt.shape[0] !== batch || xt.shape[1] !== dim) {
    const given = xt instanceof tf.Tensor ? `[${xt.shape.join(', ')}]` : String(xt);
    throw new RangeError(
      `${label} step: argument 'xt' must have shape [batch, dim] = [${batch}, ${dim}] (one token per sequence; ` +
        `batch is the state's, from initState), got ${given}`,
    );
  }
  if (xt.dtype !== 'float32') {
    throw new TypeError(`${label} step: argument 'xt' must be float32, got ${xt.dtype}`);
  }
  return xt as tf.Tensor2D;
}

/**
 * Checks the argument of `initState`: a positive integer number of sequences. Throws a RangeError naming the layer,
 * the argument and the value given.
 */
export function validateInitStateBatch(batch: unknown, label: string): number {
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch <= 0) {
    throw new RangeError(
      `${label}: initState argument 'batch' must be a positive integer, got ${String(batch)}`,
    );
  }
  return batch;
}
