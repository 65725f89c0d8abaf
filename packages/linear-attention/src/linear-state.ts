import * as tf from '@tensorflow/tfjs-core';

/**
 * Streaming state of a causal linear attention layer after some tokens: per sample and head the running sum
 * S = Σ φ(k)ᵀ·v' [batch, heads, p, width] ("Transformers are RNNs", arXiv 2006.16236 §3.4). For `linear-causal`
 * v' = [v, 1], so the last column is the normaliser z = Σ φ(k). Its size does not depend on the position.
 */
export interface LinearAttentionState {
  sum: tf.Tensor4D;
}

/** The state before the first token (all zero). */
export function createLinearState(
  batch: number,
  heads: number,
  p: number,
  width: number,
): LinearAttentionState {
  return { sum: tf.zeros([batch, heads, p, width]) };
}

/** Checks a state against the layer; returns its batch size. @throws naming `state` and the expected shape. */
export function validateLinearState(
  state: LinearAttentionState,
  heads: number,
  p: number,
  width: number,
  label: string,
): number {
  const sum = (state as Partial<LinearAttentionState> | null)?.sum;
  if (!(sum instanceof tf.Tensor) || sum.rank !== 4) {
    throw new TypeError(
      `${label}: argument 'state' must be a state from initState ({sum: [batch, ${heads}, ${p}, ${width}]}), got ${String(state)}`,
    );
  }
  if (sum.isDisposed) throw new Error(`${label}: argument 'state' has been disposed`);
  const [batch, h, rows, cols] = sum.shape;
  if (h !== heads || rows !== p || cols !== width) {
    throw new RangeError(
      `${label}: 'state.sum' must have shape [batch, ${heads}, ${p}, ${width}], got [${sum.shape.join(', ')}]`,
    );
  }
  return batch;
}
