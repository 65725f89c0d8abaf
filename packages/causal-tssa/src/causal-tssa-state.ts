import * as tf from '@tensorflow/tfjs-core';

/**
 * Streaming-decoding state of one CausalTSSA layer after `position` tokens (ToST, arXiv 2412.17810, "Streaming property"):
 * per sample and head, the three running sums the causal statistics need. Its size does not depend on `position`.
 * The caller owns the tensors: dispose them with `disposeCausalTSSAState` when the state is no longer needed.
 */
export interface CausalTSSAState {
  /** Σ_{i<position} w², [batch, heads, p]. */
  sumSquares: tf.Tensor3D;
  /** Σ_{i<position} Π·w², [batch, heads, p]. */
  sumPiSquares: tf.Tensor3D;
  /** Σ_{i<position} Π, [batch, heads, 1]. */
  sumPi: tf.Tensor3D;
  /** Number of tokens consumed so far (the position of the next token). */
  position: number;
}

/** The state before the first token: all sums zero, position 0. */
export function createCausalTSSAState(batch: number, heads: number, headDim: number): CausalTSSAState {
  return {
    sumSquares: tf.zeros([batch, heads, headDim]),
    sumPiSquares: tf.zeros([batch, heads, headDim]),
    sumPi: tf.zeros([batch, heads, 1]),
    position: 0,
  };
}

/** Disposes the state's tensors. */
export function disposeCausalTSSAState(state: CausalTSSAState): void {
  tf.dispose([state.sumSquares, state.sumPiSquares, state.sumPi]);
}

/** Checks a state against the layer's heads and head width; returns its batch size. */
export function validateCausalTSSAState(
  state: CausalTSSAState,
  heads: number,
  headDim: number,
  label: string,
): number {
  if (state == null || typeof state !== 'object') {
    throw new TypeError(
      `${label}: argument 'state' must be a CausalTSSAState (from initState), got ${String(state)}`,
    );
  }
  const { sumSquares, sumPiSquares, sumPi, position } = state;
  if (!(sumSquares instanceof tf.Tensor) || sumSquares.rank !== 3) {
    throw new TypeError(`${label}: 'state.sumSquares' must be a rank-3 tensor [batch, heads, p]`);
  }
  const batch = sumSquares.shape[0];
  const expect = (name: string, t: unknown, shape: number[]): void => {
    const actual = t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t);
    if (
      !(t instanceof tf.Tensor) ||
      t.rank !== shape.length ||
      t.shape.some((d: number, i: number) => d !== shape[i])
    ) {
      throw new RangeError(`${label}: 'state.${name}' must have shape [${shape.join(', ')}], got ${actual}`);
    }
    if (t.isDisposed) throw new Error(`${label}: 'state.${name}' has been disposed`);
  };
  expect('sumSquares', sumSquares, [batch, heads, headDim]);
  expect('sumPiSquares', sumPiSquares, [batch, heads, headDim]);
  expect('sumPi', sumPi, [batch, heads, 1]);
  if (!Number.isInteger(position) || position < 0) {
    throw new RangeError(
      `${label}: 'state.position' must be a non-negative integer, got ${String(position)}`,
    );
  }
  return batch;
}
