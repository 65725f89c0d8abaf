import * as tf from '@tensorflow/tfjs-core';
import type { sigmoidAttention } from './sigmoid-core.js';

/**
 * The sigmoid attention core in plain differentiable ops (batched matMuls, one [B, H, N, N] weight tensor): the
 * readable version of `sigmoidAttention`, used by the tests to check its forward pass and its hand-written gradient.
 * Same arguments and result (its type is the core's).
 */
export const sigmoidAttentionReference: typeof sigmoidAttention = (
  q,
  k,
  v,
  { bias, keyMask, causal = false },
) =>
  tf.tidy(() => {
    const [batch, , seq] = q.shape;
    const scores = tf.add(tf.matMul(q, k, false, true), tf.reshape(bias, [batch, 1, 1, 1]));
    let allowed: tf.Tensor = tf.ones(scores.shape, 'bool');
    if (keyMask) allowed = tf.logicalAnd(allowed, tf.reshape(tf.cast(keyMask, 'bool'), [batch, 1, 1, seq]));
    if (causal) {
      const past = tf.cast(tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0), 'bool');
      allowed = tf.logicalAnd(allowed, tf.reshape(past, [1, 1, seq, seq]));
    }
    const a = tf.where(allowed, tf.sigmoid(scores), tf.zerosLike(scores));
    return tf.matMul(a, v) as tf.Tensor4D;
  });
