import * as tf from '@tensorflow/tfjs-core';
import { sliceSequence } from './sequence-axis.js';

/**
 * The linear recurrence T_j = λ_j·T_{j−1} + U_j along axis 2 of u [B, H, n, F], from T_{−1} = `initial` [B, H, 1, F]
 * (default 0), with λ [B|1, H, n, 1] (undefined: 1). Returns every T_j, [B, H, n, F]. With `reverse` the recurrence
 * runs from the end instead: T_j = λ_j·T_{j+1} + U_j from T_n = `initial` (no copy of the sequence reversed).
 *
 * Without decay one cumulative sum; with decay a Hillis–Steele scan: ⌈log₂ n⌉ rounds of T_j += A_j·T_{j∓o},
 * A_j ← A_j·A_{j∓o} (o = 1, 2, 4, …), every factor a product of λs ≤ 1, so nothing overflows. The kernel count
 * is O(log n) whatever the length (a loop over chunks would make it O(n)). Each round frees the previous round's
 * T and A, so at most a few [B, H, n, F] tensors are alive at a time whatever the number of rounds (keeping every
 * round's T until the end made the scan's memory O(n·F·log n), the largest term of a long decayed step).
 */
export function decayedScan(
  u: tf.Tensor,
  lambda?: tf.Tensor,
  initial?: tf.Tensor,
  reverse = false,
): tf.Tensor {
  const n = u.shape[2]!;
  if (!lambda) {
    return tf.tidy(() => {
      const sums = tf.cumsum(u, 2, false, reverse);
      return initial ? tf.add(sums, initial) : sums;
    });
  }
  // T_{j−o} (T_{j+o} in reverse), `fill` where that index is outside the sequence.
  const shift = (x: tf.Tensor, o: number, fill: number) => {
    const [xb, xh, , xw] = x.shape as [number, number, number, number];
    const kept = sliceSequence(x, reverse ? o : 0, n - o);
    const filled = tf.fill([xb, xh, o, xw], fill);
    return tf.concat(reverse ? [kept, filled] : [filled, kept], 2);
  };
  const round = (t: tf.Tensor, a: tf.Tensor, o: number): [tf.Tensor, tf.Tensor] =>
    tf.tidy(() => [tf.add(t, tf.mul(a, shift(t, o, 0))), tf.mul(a, shift(a, o, 1))]);
  let t: tf.Tensor = u;
  let a: tf.Tensor = lambda;
  for (let o = 1; o < n; o *= 2) {
    const [nextT, nextA] = round(t, a, o);
    // The caller's u and λ stay; every intermediate round is freed as soon as the next one exists.
    if (t !== u) t.dispose();
    if (a !== lambda) a.dispose();
    t = nextT;
    a = nextA;
  }
  // a_j is now Π λ over j and every index before it (after it, in reverse): the weight of `initial` at chunk j.
  const result = initial ? tf.tidy(() => tf.add(t, tf.mul(a, initial))) : t === u ? tf.clone(u) : t;
  if (initial && t !== u) t.dispose();
  if (a !== lambda) a.dispose();
  return result;
}
