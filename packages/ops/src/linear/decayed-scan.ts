import * as tf from '@tensorflow/tfjs-core';
import { sliceSequence } from './sequence-axis.js';

/**
 * The linear recurrence T_j = λ_j·T_{j−1} + U_j along axis 2 of u [B, H, n, F], from T_{−1} = `initial` [B, H, 1, F]
 * (default 0), with λ [B|1, H, n, 1] (undefined: 1). Returns every T_j, [B, H, n, F]. With `reverse` the recurrence
 * runs from the end instead: T_j = λ_j·T_{j+1} + U_j from T_n = `initial` (no copy of the sequence reversed).
 *
 * Without decay one cumulative sum; with decay a Hillis–Steele scan: ⌈log₂ n⌉ rounds of T_j += A_j·T_{j∓o},
 * A_j ← A_j·A_{j∓o} (o = 1, 2, 4, …), every factor a product of λs ≤ 1, so nothing overflows. The kernel count
 * is O(log n) whatever the length (a loop over chunks would make it O(n)).
 */
export function decayedScan(
  u: tf.Tensor,
  lambda?: tf.Tensor,
  initial?: tf.Tensor,
  reverse = false,
): tf.Tensor {
  return tf.tidy(() => {
    const n = u.shape[2]!;
    if (!lambda) {
      const sums = tf.cumsum(u, 2, false, reverse);
      return initial ? tf.add(sums, initial) : sums;
    }
    // T_{j−o} (T_{j+o} in reverse), `fill` where that index is outside the sequence.
    const shift = (t: tf.Tensor, o: number, fill: number) => {
      const [tb, th, , tw] = t.shape as [number, number, number, number];
      const kept = sliceSequence(t, reverse ? o : 0, n - o);
      const filled = tf.fill([tb, th, o, tw], fill);
      return tf.concat(reverse ? [kept, filled] : [filled, kept], 2);
    };
    let t: tf.Tensor = u;
    let a: tf.Tensor = lambda;
    for (let o = 1; o < n; o *= 2) {
      const nextT = tf.add(t, tf.mul(a, shift(t, o, 0)));
      const nextA = tf.mul(a, shift(a, o, 1));
      t = nextT;
      a = nextA;
    }
    // a_j is now Π λ over j and every index before it (after it, in reverse): the weight of `initial` at chunk j.
    return initial ? tf.add(t, tf.mul(a, initial)) : t;
  });
}
