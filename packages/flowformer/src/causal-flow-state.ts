import * as tf from '@tensorflow/tfjs-core';

/**
 * Streaming state of one causal Flow-Attention layer after `position` tokens: per sample and head the running sums
 * the causal flows need. Its size does not depend on `position` (O(p²) per head). The caller owns the tensors.
 */
export interface CausalFlowState {
  /** Σ φk, [batch, heads, p]. */
  sumKeys: tf.Tensor3D;
  /** Σ φq, [batch, heads, p]. */
  sumQueries: tf.Tensor3D;
  /** Σ φk·O (outgoing flow), [batch, heads, p]. */
  sumKeyOutgoing: tf.Tensor3D;
  /** Σ φq·I (incoming flow), [batch, heads, p]. */
  sumQueryIncoming: tf.Tensor3D;
  /** Σ exp(Ô) (the running softmax's denominator), [batch, heads, 1]. */
  sumCompetition: tf.Tensor3D;
  /** Σ φk ⊗ c·v, [batch, heads, p, p]. */
  keyValue: tf.Tensor4D;
  /** Tokens consumed so far (r of the next token is position + 1). */
  position: number;
}

const TENSORS = [
  'sumKeys',
  'sumQueries',
  'sumKeyOutgoing',
  'sumQueryIncoming',
  'sumCompetition',
  'keyValue',
] as const;

/** The state before the first token: every sum zero. */
export function createCausalFlowState(batch: number, heads: number, headDim: number): CausalFlowState {
  const vector = (): tf.Tensor3D => tf.zeros([batch, heads, headDim]);
  return {
    sumKeys: vector(),
    sumQueries: vector(),
    sumKeyOutgoing: vector(),
    sumQueryIncoming: vector(),
    sumCompetition: tf.zeros([batch, heads, 1]),
    keyValue: tf.zeros([batch, heads, headDim, headDim]),
    position: 0,
  };
}

export function disposeCausalFlowState(state: CausalFlowState): void {
  tf.dispose(TENSORS.map((name) => state[name]));
}

/** Checks a state against the layer (shapes, not disposed); returns its batch size. */
export function validateCausalFlowState(
  state: CausalFlowState,
  heads: number,
  headDim: number,
  label: string,
): number {
  if (state == null || typeof state !== 'object' || !(state.sumKeys instanceof tf.Tensor)) {
    throw new TypeError(
      `${label}: argument 'state' must be a CausalFlowState (from initState), got ${String(state)}`,
    );
  }
  const batch = state.sumKeys.shape[0];
  for (const name of TENSORS) {
    const t = state[name];
    const expected =
      name === 'keyValue'
        ? [batch, heads, headDim, headDim]
        : [batch, heads, name === 'sumCompetition' ? 1 : headDim];
    if (
      !(t instanceof tf.Tensor) ||
      t.shape.length !== expected.length ||
      t.shape.some((d, i) => d !== expected[i])
    ) {
      const given = t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t);
      throw new RangeError(
        `${label}: 'state.${name}' must have shape [${expected.join(', ')}], got ${given}`,
      );
    }
    if (t.isDisposed) throw new Error(`${label}: 'state.${name}' has been disposed`);
  }
  if (!Number.isInteger(state.position) || state.position < 0) {
    throw new RangeError(
      `${label}: 'state.position' must be a non-negative integer, got ${String(state.position)}`,
    );
  }
  return batch;
}
