import type * as tf from '@tensorflow/tfjs-core';

/** Throws a RangeError naming the argument when q, k [batch, heads, seq, f] and v [batch, heads, seq, d] do not match. */
export function checkShapes(label: string, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): void {
  const describe = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (q.rank !== 4) throw new RangeError(`${label}: 'q' must be [batch, heads, seq, f], got ${describe(q)}`);
  if (k.rank !== 4 || k.shape.some((s, i) => s !== q.shape[i])) {
    throw new RangeError(`${label}: 'k' must have the shape of 'q' ${describe(q)}, got ${describe(k)}`);
  }
  if (v.rank !== 4 || v.shape.slice(0, 3).some((s, i) => s !== q.shape[i])) {
    throw new RangeError(
      `${label}: 'v' must be [${q.shape.slice(0, 3).join(', ')}, d] (batch, heads, seq of 'q'), got ${describe(v)}`,
    );
  }
}
