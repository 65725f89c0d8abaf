import * as tf from '@tensorflow/tfjs-core';
import { maskedSoftmax } from '@tost/ops';
import type { LocalCoreOptions } from './local-attention-core.js';

/**
 * The local attention core in plain differentiable ops with the full [B, H, N, N] score matrix and an explicit mask
 * of allowed pairs (|i − j| ≤ w·d, (i − j) mod d = 0, j real, j ≤ i when causal): the readable O(N²) version of
 * `localAttention`, used by the tests to check its output and its hand-written gradient. Same arguments and result.
 */
export function localAttentionReference(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { window, dilation, keyMask, causal = false }: LocalCoreOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, , seq] = q.shape;
    const pairs: boolean[] = [];
    for (let i = 0; i < seq; i++) {
      for (let j = 0; j < seq; j++) {
        const gap = i - j;
        pairs.push(Math.abs(gap) <= window * dilation && gap % dilation === 0 && (!causal || gap >= 0));
      }
    }
    let allowed: tf.Tensor = tf.tensor4d(pairs, [1, 1, seq, seq], 'bool');
    if (keyMask) allowed = tf.logicalAnd(allowed, tf.reshape(tf.cast(keyMask, 'bool'), [batch, 1, 1, seq]));
    const weights = maskedSoftmax(tf.matMul(q, k, false, true), allowed);
    return tf.matMul(weights, v) as tf.Tensor4D;
  });
}
