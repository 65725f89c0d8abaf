import * as tf from '@tensorflow/tfjs-core';
import type { StateSpec, StateTensors, StreamingState } from '@tost/attention';
import { NO_SCORE } from './constants.js';

/**
 * Streaming state of one Aaren layer (Feng et al., arXiv 2405.13956, §3.2, the RNN form): per sample and head the
 * running max m of the scores, the denominator u = Σ exp(s − m) and the numerator w = Σ exp(s − m)·v — O(p) per head,
 * whatever the position. The caller owns the tensors.
 */
export const AAREN_STATE = {
  /** Running max of the scores, [batch, heads, 1] (NO_SCORE before the first token). */
  runningMax: { shape: ['batch', 'heads', 1], initial: NO_SCORE },
  /** Σ exp(s − m), [batch, heads, 1]. */
  denominator: { shape: ['batch', 'heads', 1] },
  /** Σ exp(s − m)·v, [batch, heads, p]. */
  numerator: { shape: ['batch', 'heads', 'headDim'] },
} as const satisfies StateSpec;

export type AarenState = StreamingState<typeof AAREN_STATE>;

/**
 * One token: with score s and value v per head, m′ = max(m, s), u′ = u·e^{m−m′} + e^{s−m′}, w′ = w·e^{m−m′} +
 * e^{s−m′}·v, output w′/u′ — the same prefix softmax as the full forward at this position (every exponent ≤ 0).
 *
 * @param score [batch, heads, 1]; @param value [batch, heads, p]
 */
export function aarenStep(
  state: StateTensors<typeof AAREN_STATE>,
  score: tf.Tensor3D,
  value: tf.Tensor3D,
): { y: tf.Tensor3D; state: StateTensors<typeof AAREN_STATE> } {
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
