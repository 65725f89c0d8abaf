import * as tf from '@tensorflow/tfjs-core';
import { MIN_LOG_GATE } from './constants.js';

/**
 * One token of Gated Linear Attention as a recurrence (Yang et al., arXiv 2312.06635, §3, eq. for S_t):
 * S ← diag(α)·S + kᵀ·v, o = q·S, per sample and head, for q, k, v and the log gate g = log α [batch, heads, p] and the
 * state S [batch, heads, p, p] (rows = key channels). Log gates are floored at −40 as in the chunk form. Elementwise
 * only, O(heads·p²) per token whatever the position; feeding tokens 0…t gives the chunk form's outputs at 0…t.
 * @returns the output [batch, heads, p] and the new state (the input state is not disposed).
 */
export function glaRecurrentStep(
  state: tf.Tensor4D,
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  logGate: tf.Tensor3D,
): { output: tf.Tensor3D; state: tf.Tensor4D } {
  const [batch, heads, p] = q.shape;
  return tf.tidy(() => {
    const alpha = tf.exp(tf.maximum(logGate, MIN_LOG_GATE));
    const next = tf.add(
      tf.mul(state, tf.reshape(alpha, [batch, heads, p, 1])),
      tf.mul(tf.reshape(k, [batch, heads, p, 1]), tf.reshape(v, [batch, heads, 1, p])),
    ) as tf.Tensor4D;
    const output = tf.sum(tf.mul(tf.reshape(q, [batch, heads, p, 1]), next), 2) as tf.Tensor3D;
    return { output, state: next };
  });
}
