import * as tf from '@tensorflow/tfjs-core';

/**
 * Softmax over axis 1 (the HEAD axis) of a tensor shaped [batch, heads, ...] (ToST, arXiv 2412.17810, causal step 2: every token
 * distributes a unit of membership over the heads). `tf.softmax` only works on the last axis, so the usual
 * max-shifted form is written out; it is numerically safe for any logits.
 */
export function softmaxOverHeads<T extends tf.Tensor>(logits: T): T {
  return tf.tidy(() => {
    const shifted = tf.sub(logits, tf.max(logits, 1, true));
    const e = tf.exp(shifted);
    return tf.div(e, tf.sum(e, 1, true)) as T;
  });
}
