import * as tf from '@tensorflow/tfjs-core';
import { NO_SCORE } from './constants.js';

/**
 * Streaming state of one Aaren layer (Feng et al., arXiv 2405.13956, §3.2, the RNN form): per sample and head the
 * running max m of the scores, the denominator u = Σ exp(s − m) and the numerator w = Σ exp(s − m)·v — O(p) per head,
 * whatever the position. The caller owns the tensors.
 */
export interface AarenState {
  /** Running max of the scores, [batch, heads, 1] (NO_SCORE before the first token). */
  runningMax: tf.Tensor3D;
  /** Σ exp(s − m), [batch, heads, 1]. */
  denominator: tf.Tensor3D;
  /** Σ exp(s − m)·v, [batch, heads, p]. */
  numerator: tf.Tensor3D;
}

export function createAarenState(batch: number, heads: number, headDim: number): AarenState {
  return {
    runningMax: tf.fill([batch, heads, 1], NO_SCORE),
    denominator: tf.zeros([batch, heads, 1]),
    numerator: tf.zeros([batch, heads, headDim]),
  };
}

export function disposeAarenState(state: AarenState): void {
  tf.dispose([state.runningMax, state.denominator, state.numerator]);
}

/** Checks a state against the layer (shapes, not disposed); returns its batch size. */
export function validateAarenState(state: AarenState, heads: number, headDim: number, label: string): number {
  if (state == null || typeof state !== 'object' || !(state.runningMax instanceof tf.Tensor)) {
    throw new TypeError(
      `${label}: argument 'state' must be an AarenState (from initState), got ${String(state)}`,
    );
  }
  const batch = state.runningMax.shape[0];
  for (const [name, width] of [
    ['runningMax', 1],
    ['denominator', 1],
    ['numerator', headDim],
  ] as const) {
    const t = state[name];
    const expected = [batch, heads, width];
    if (!(t instanceof tf.Tensor) || t.rank !== 3 || t.shape.some((d, i) => d !== expected[i])) {
      const given = t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t);
      throw new RangeError(
        `${label}: 'state.${name}' must have shape [${expected.join(', ')}], got ${given}`,
      );
    }
    if (t.isDisposed) throw new Error(`${label}: 'state.${name}' has been disposed`);
  }
  return batch;
}

/**
 * One token: with score s and value v per head, m′ = max(m, s), u′ = u·e^{m−m′} + e^{s−m′}, w′ = w·e^{m−m′} +
 * e^{s−m′}·v, output w′/u′ — the same prefix softmax as the full forward at this position (every exponent ≤ 0).
 *
 * @param score [batch, heads, 1]; @param value [batch, heads, p]
 */
export function aarenStep(
  state: AarenState,
  score: tf.Tensor3D,
  value: tf.Tensor3D,
): { y: tf.Tensor3D; state: AarenState } {
  return tf.tidy(() => {
    const runningMax = tf.maximum(state.runningMax, score) as tf.Tensor3D;
    const decay = tf.exp(tf.sub(state.runningMax, runningMax));
    const weight = tf.exp(tf.sub(score, runningMax));
    const denominator = tf.add(tf.mul(state.denominator, decay), weight) as tf.Tensor3D;
    const numerator = tf.add(tf.mul(state.numerator, decay), tf.mul(value, weight)) as tf.Tensor3D;
    return {
      y: tf.div(numerator, denominator) as tf.Tensor3D,
      state: { runningMax, denominator, numerator },
    };
  });
}
