import * as tf from '@tensorflow/tfjs-core';
import { causalAllowed, keyAllowed } from '@tost/attention';
import { finiteOrZero } from '@tost/ops';
import { NO_SCORE } from './constants.js';

/**
 * `causalPrefixSoftmax` written the direct, quadratic way (for tests only): the [seq, seq] matrix of softmax weights
 * over real keys j ≤ t, times the values. Plain autodiff; the reference the chunked form and its gradient are checked
 * against.
 */
export function causalPrefixSoftmaxReference(
  scores: tf.Tensor3D,
  values: tf.Tensor4D,
  mask?: tf.Tensor2D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, seq] = scores.shape;
    const allowed = mask ? tf.logicalAnd(causalAllowed(seq), keyAllowed(mask)) : causalAllowed(seq);
    const full = tf.broadcastTo(allowed, [batch, heads, seq, seq]);
    const grid = tf.broadcastTo(tf.reshape(scores, [batch, heads, 1, seq]), [batch, heads, seq, seq]);
    // A finite fill (not −∞) so that a row without any allowed key (a leading padded token) has a finite gradient.
    const weights = tf.softmax(tf.where(full, grid, tf.fill(grid.shape, NO_SCORE)));
    return tf.matMul(tf.where(full, weights, tf.zerosLike(weights)) as tf.Tensor4D, finiteOrZero(values));
  });
}
