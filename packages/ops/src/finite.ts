import * as tf from '@tensorflow/tfjs-core';

/**
 * `t` with every non-finite entry (NaN, ±Infinity) replaced by 0. A masked product such as P·V multiplies weight 0 by
 * the values of disallowed (e.g. future) tokens, and 0·NaN = NaN; zeroing those values first keeps masking exact.
 * Entries a query may see are unaffected unless they are non-finite, and then its scores are non-finite already.
 */
export function finiteOrZero<T extends tf.Tensor>(t: T): T {
  return tf.tidy(() => tf.where(tf.isFinite(t), t, tf.zerosLike(t)) as T);
}
