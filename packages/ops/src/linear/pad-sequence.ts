import * as tf from '@tensorflow/tfjs-core';

/**
 * `t` [batch, heads, seq, …] with `extra` zero rows appended along the sequence axis (axis 2), e.g. to fill the last
 * chunk of a chunked core; `t` itself when `extra` is 0. Any rank ≥ 3.
 */
export function padSequence<T extends tf.Tensor>(t: T, extra: number): T {
  if (extra === 0) return t;
  return tf.pad(
    t,
    t.shape.map((_, axis) => [0, axis === 2 ? extra : 0] as [number, number]),
  ) as T;
}
