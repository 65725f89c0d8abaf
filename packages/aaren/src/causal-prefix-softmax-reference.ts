import * as tf from '@tensorflow/tfjs-core';
import { causalAllowed, keyAllowed } from '@tost/attention';
import { finiteOrZero } from '@tost/ops';
import type { causalPrefixSoftmax } from './causal-prefix-softmax.js';
import { NO_SCORE } from './constants.js';

/**
 * `causalPrefixSoftmax` written the direct, quadratic way (for tests only): the [seq, seq] matrix of softmax weights
 * over real keys j ≤ t, times the values. Plain autodiff; the reference the chunked form and its gradient are checked
 * against. Its type is `causalPrefixSoftmax`'s; it has no chunks, so it ignores `chunkSize`.
 */
export const causalPrefixSoftmaxReference: typeof causalPrefixSoftmax = (scores, values, mask) =>
  tf.tidy(() => {
    const [batch, heads, seq] = scores.shape;
    const allowed = mask ? tf.logicalAnd(causalAllowed(seq), keyAllowed(mask)) : causalAllowed(seq);
    const full = tf.broadcastTo(allowed, [batch, heads, seq, seq]);
    const grid = tf.broadcastTo(tf.reshape(scores, [batch, heads, 1, seq]), [batch, heads, seq, seq]);
    // A finite fill (not −∞) so that a row without any allowed key (a leading padded token) has a finite gradient.
    const weights = tf.softmax(tf.where(full, grid, tf.fill(grid.shape, NO_SCORE)));
    return tf.matMul(tf.where(full, weights, tf.zerosLike(weights)) as tf.Tensor4D, finiteOrZero(values));
  });
