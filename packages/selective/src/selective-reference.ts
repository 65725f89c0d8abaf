import * as tf from '@tensorflow/tfjs-core';
import { maskedSoftmax } from '@tost/ops';

/**
 * Selective attention straight from its definition (arXiv 2410.02703, §2) with plain differentiable ops, for tests:
 * the same arguments and result as `fusedSelectiveAttention` (q already scaled), differentiated by autodiff. The
 * accumulated fading F = T·S uses a strictly lower-triangular matrix of ones T (O(N³); fine for test sizes).
 */
export function selectiveAttentionReference(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, n] = q.shape;
    const scores = tf.matMul(q, k, false, true) as tf.Tensor4D; // [B, H, N, N]
    const real = tf.cast(mask, 'bool');
    const keys = tf.reshape(real, [batch, 1, 1, n]);
    const queries = tf.reshape(real, [batch, 1, n, 1]);
    const column = tf.range(0, n);
    const j = tf.reshape(column, [1, 1, 1, n]);
    const i = tf.reshape(column, [1, 1, n, 1]);
    const selectable = tf.logicalAnd(
      tf.logicalAnd(tf.less(j, i), tf.greater(j, 0)),
      tf.logicalAnd(keys, queries),
    );
    const head0 = tf.slice(scores, [0, 0, 0, 0], [batch, 1, n, n]);
    const selection = tf.where(tf.broadcastTo(selectable, head0.shape), tf.relu(head0), tf.zerosLike(head0));
    const strictlyLower = tf.cast(tf.less(tf.reshape(column, [1, n]), tf.reshape(column, [n, 1])), 'float32');
    const faded = tf.matMul(tf.broadcastTo(strictlyLower, [batch, 1, n, n]), selection);
    const allowed = tf.logicalAnd(tf.lessEqual(j, i), keys);
    const weights = maskedSoftmax(tf.sub(scores, faded), tf.broadcastTo(allowed, [batch, heads, n, n]));
    return tf.matMul(weights, v) as tf.Tensor4D;
  });
}
