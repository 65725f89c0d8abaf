import * as tf from '@tensorflow/tfjs-core';

/** The lowest finite float32. */
const LOWEST_FLOAT32 = -3.4028234663852886e38;

/** `allowed` must be bool and broadcastable to the scores (numpy rules: right-aligned, each axis 1 or equal). */
function checkMask(label: string, scores: tf.Tensor, allowed: tf.Tensor): void {
  const offset = scores.rank - allowed.rank;
  const fits = offset >= 0 && allowed.shape.every((n, i) => n === 1 || n === scores.shape[offset + i]);
  if (allowed.dtype !== 'bool' || !fits) {
    throw new RangeError(
      `${label}: 'allowed' must be a bool tensor broadcastable to the scores [${scores.shape.join(', ')}], got ` +
        `${allowed.dtype} [${allowed.shape.join(', ')}]`,
    );
  }
}

/**
 * softmax over the last axis restricted to the allowed entries, exactly: disallowed scores are selected away (not
 * offset by a finite constant), so they get weight exactly 0 whatever they hold — NaN, ±Infinity or a score larger
 * than any constant — and a row with no allowed entry gives all zeros instead of NaN.
 * `allowed` is bool, broadcastable to `scores`. Differentiable with finite gradients everywhere (0 at disallowed
 * entries and in rows without any allowed entry): no intermediate is ever NaN or infinite, since tfjs's `where`
 * gradient multiplies by the condition and 0·NaN would be NaN.
 */
export function maskedSoftmax<T extends tf.Tensor>(scores: T, allowed: tf.Tensor): T {
  checkMask('maskedSoftmax', scores, allowed);
  return tf.tidy(() => {
    const full = tf.broadcastTo(allowed, scores.shape);
    // The row maximum over allowed entries only (the lowest float32 stands in at disallowed ones for the max alone;
    // they are selected away below, never offset). A row without allowed entries gets that lowest value as shift.
    const shift = tf.max(tf.where(full, scores, tf.fill(scores.shape, LOWEST_FLOAT32)), -1, true);
    const safeScores = tf.where(full, scores, tf.broadcastTo(shift, scores.shape));
    const weights = tf.where(full, tf.exp(tf.sub(safeScores, shift)), tf.zerosLike(scores));
    // ≥ 1 wherever a row has an allowed entry (its maximum contributes exp(0)); 0 otherwise, kept finite by max(·, 1).
    const total = tf.sum(weights, -1, true);
    return tf.div(weights, tf.maximum(total, 1)) as T;
  });
}

/**
 * The forward form of `maskedSoftmax` (one select, one softmax and one product with the mask instead of its three
 * selects): for code that computes its own backward from the returned weights, such as a fused softmax path. Each row
 * is tf.softmax over its allowed entries: disallowed scores are selected away (not offset, so NaN or ±Infinity there
 * cannot leak into a row) for −Infinity, weight exp(−∞) = 0; a row without any allowed entry gives zeros (its scores
 * become 0, and the product with the mask zeroes the uniform row). As with tf.softmax, a row whose allowed scores are
 * all −Infinity, or include NaN or +Infinity, gives NaN.
 */
export function maskedSoftmaxForward<T extends tf.Tensor>(scores: T, allowed: tf.Tensor): T {
  checkMask('maskedSoftmaxForward', scores, allowed);
  return tf.tidy(() => {
    // Per row of the mask (small): −Infinity where the row allows a key, 0 where it allows none.
    const fill = tf.where(tf.any(allowed, -1, true), tf.scalar(Number.NEGATIVE_INFINITY), tf.scalar(0));
    const p = tf.softmax(tf.where(allowed, scores as tf.Tensor, fill));
    return tf.mul(p, tf.cast(allowed, 'float32')) as T;
  });
}
