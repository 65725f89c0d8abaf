import * as tf from '@tensorflow/tfjs-core';
import { NO_SCORE } from './constants.js';

/** Running max along the last axis of [groups, n] (Hillis–Steele: ⌈log₂ n⌉ shifted maxima). Forward only. */
export function prefixMax(x: tf.Tensor2D): tf.Tensor2D {
  const [groups, n] = x.shape;
  return tf.tidy(() => {
    let out = x;
    for (let d = 1; d < n; d *= 2) {
      const shifted = tf.concat([tf.fill([groups, d], NO_SCORE), tf.slice(out, [0, 0], [groups, n - d])], 1);
      out = tf.maximum(out, shifted);
    }
    return out;
  });
}

/**
 * Exclusive scan over the chunk axis of log-scaled sums: chunk c holds (m_c, x_c) meaning Σ exp(score − m_c)·[1, v]
 * over its tokens; the result at c is the same pair for all chunks before c (`reverse`: after c), rescaled to their
 * joint max — (m, x) ⊕ (m′, x′) = (max, x·e^{m−max} + x′·e^{m′−max}), the associative combine of a streaming softmax
 * (Feng et al., "Attention as an RNN", arXiv 2405.13956, §3.2). Hillis–Steele over the chunks; every exponent is ≤ 0.
 * The empty summary is (NO_SCORE, 0). Forward only.
 *
 * @param m [groups, chunks]
 * @param x [groups, chunks, k]
 */
export function exclusiveRescaledScan(
  m: tf.Tensor2D,
  x: tf.Tensor3D,
  reverse = false,
): { m: tf.Tensor2D; x: tf.Tensor3D } {
  const [groups, chunks, k] = x.shape;
  return tf.tidy(() => {
    let scoreRef = reverse ? tf.reverse(m, 1) : m;
    let sums = reverse ? tf.reverse(x, 1) : x;
    const shift = (d: number, a: tf.Tensor2D, b: tf.Tensor3D): [tf.Tensor2D, tf.Tensor3D] => [
      tf.concat([tf.fill([groups, d], NO_SCORE), tf.slice(a, [0, 0], [groups, chunks - d])], 1),
      tf.concat([tf.zeros([groups, d, k]), tf.slice(b, [0, 0, 0], [groups, chunks - d, k])], 1),
    ];
    for (let d = 1; d < chunks; d *= 2) {
      const [earlierRef, earlierSums] = shift(d, scoreRef, sums);
      const joint = tf.maximum(scoreRef, earlierRef);
      sums = tf.add(
        tf.mul(sums, tf.expandDims(tf.exp(tf.sub(scoreRef, joint)), 2)),
        tf.mul(earlierSums, tf.expandDims(tf.exp(tf.sub(earlierRef, joint)), 2)),
      );
      scoreRef = joint as tf.Tensor2D;
    }
    const [exclusiveRef, exclusiveSums] = shift(1, scoreRef, sums);
    return reverse
      ? { m: tf.reverse(exclusiveRef, 1), x: tf.reverse(exclusiveSums, 1) }
      : { m: exclusiveRef, x: exclusiveSums };
  });
}
