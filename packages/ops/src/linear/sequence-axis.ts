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

/**
 * Rows `begin … begin + size − 1` of axis 2 of `t` [a, b, n, …] (any rank ≥ 3), sliced as a rank-3 view
 * [a·b, n, rest]: wasm's Slice runs an element-by-element loop for a rank-4 or rank-5 slice that starts inside an
 * axis (~20× slower than the same rows of a rank-3 view).
 */
export function sliceSequence<T extends tf.Tensor>(t: T, begin: number, size: number): T {
  const [a, b, n, ...rest] = t.shape as number[];
  const width = rest.reduce((x, y) => x * y, 1);
  const cut = tf.slice(tf.reshape(t, [a! * b!, n!, width]), [0, begin, 0], [a! * b!, size, width]);
  return tf.reshape(cut, [a!, b!, size, ...rest]) as T;
}
