import * as tf from '@tensorflow/tfjs-core';

/**
 * [batch, seq, heads·p] → [batch, heads, seq, p]. Head k owns channels k·p … k·p+p−1 (ToST, arXiv 2412.17810 step 1).
 */
export function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor4D {
  const [batch, seq, dim] = x.shape;
  if (dim % heads !== 0)
    throw new RangeError(`splitHeads: heads (${heads}) must divide the last axis (${dim})`);
  return tf.tidy(() => tf.transpose(tf.reshape(x, [batch, seq, heads, dim / heads]), [0, 2, 1, 3]));
}

/** [batch, heads, seq, p] → [batch, seq, heads·p], the inverse of `splitHeads` (channel k·p + j). */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [batch, heads, seq, p] = x.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, seq, heads * p]));
}
