import * as tf from '@tensorflow/tfjs-core';
import { padSequence, sliceSequence } from './sequence-axis.js';

/**
 * Chunks per block of the two-level scan: a Hillis–Steele scan inside every block (log₂ 16 = 4 rounds over the whole
 * sequence), then the recurrence across blocks on their totals (n / 16 of them) and one fix-up pass.
 */
export const SCAN_BLOCK = 16;

/**
 * The linear recurrence T_j = λ_j·T_{j−1} + U_j along axis 2 of u [B, H, n, F], from T_{−1} = `initial` [B, H, 1, F]
 * (default 0), with λ [B|1, H, n, 1] (undefined: 1). Returns every T_j, [B, H, n, F]. With `reverse` the recurrence
 * runs from the end instead: T_j = λ_j·T_{j+1} + U_j from T_n = `initial` (no copy of the sequence reversed).
 *
 * Without decay one cumulative sum. With decay a blocked scan (Blelloch, "Prefix sums and their applications", 1990,
 * §1.4: the recurrence is a scan under the associative operator (A, T)∘(A′, T′) = (A·A′, A′·T + T′)): inside blocks
 * of `SCAN_BLOCK` chunks a Hillis–Steele scan — rounds of T_j += A_j·T_{j∓o}, A_j ← A_j·A_{j∓o} (o = 1, 2, 4, 8),
 * every factor a product of λs ≤ 1, so nothing overflows — then the same recurrence across the blocks' totals
 * (recursively: n / 16 of them) and T_j += A_j·C, C the state entering j's block. Work O(n·F) and O(log n) kernels; a
 * single Hillis–Steele scan over all n chunks did ⌈log₂ n⌉ full rounds (10 at 1,024 chunks), which made a long
 * decayed step grow faster than its length. Each round frees the previous one's T and A, so a few [B, H, n, F]
 * tensors are alive at a time.
 */
export function decayedScan(
  u: tf.Tensor,
  lambda?: tf.Tensor,
  initial?: tf.Tensor,
  reverse = false,
): tf.Tensor {
  if (!lambda) {
    return tf.tidy(() => {
      const sums = tf.cumsum(u, 2, false, reverse);
      return initial ? tf.add(sums, initial) : sums;
    });
  }
  const n = u.shape[2]!;
  if (n <= 2 * SCAN_BLOCK) {
    const { t, a } = hillisSteele(u, lambda, reverse);
    const result = initial ? tf.tidy(() => tf.add(t, tf.mul(a, initial))) : t === u ? tf.clone(u) : t;
    if (initial && t !== u) t.dispose();
    if (a !== lambda) a.dispose();
    return result;
  }
  return tf.tidy(() => {
    const [batch, heads, , width] = u.shape as [number, number, number, number];
    const lambdaBatch = lambda.shape[0]!;
    const blocks = Math.ceil(n / SCAN_BLOCK);
    // Padding after the end: U = 0, λ = 1 leaves every real T unchanged in either direction.
    const extra = blocks * SCAN_BLOCK - n;
    const uPadded = padSequence(u, extra);
    const lambdaPadded = extra ? tf.concat([lambda, tf.ones([lambdaBatch, heads, extra, 1])], 2) : lambda;
    // Every block one sequence of SCAN_BLOCK chunks: [B, H·blocks, SCAN_BLOCK, F].
    const inBlocks = tf.reshape(uPadded, [batch, heads * blocks, SCAN_BLOCK, width]);
    const lambdaBlocks = tf.reshape(lambdaPadded, [lambdaBatch, heads * blocks, SCAN_BLOCK, 1]);
    const { t: local, a: decay } = hillisSteele(inBlocks, lambdaBlocks, reverse);
    // Each block's total and its whole decay: its last chunk (its first, in reverse) → [B, H, blocks, F | 1].
    const edge = reverse ? 0 : SCAN_BLOCK - 1;
    const totals = tf.reshape(sliceSequence(local, edge, 1), [batch, heads, blocks, width]);
    const blockDecay = tf.reshape(sliceSequence(decay, edge, 1), [lambdaBatch, heads, blocks, 1]);
    // The state after each block, then the one entering each block (`initial`, or 0, for the first one).
    const after = decayedScan(totals, blockDecay, initial, reverse);
    const start = initial ?? tf.zeros([batch, heads, 1, width]);
    const entering = reverse
      ? tf.concat([sliceSequence(after, 1, blocks - 1), start], 2)
      : tf.concat([start, sliceSequence(after, 0, blocks - 1)], 2);
    const carried = tf.add(local, tf.mul(decay, tf.reshape(entering, [batch, heads * blocks, 1, width])));
    const full = tf.reshape(carried, [batch, heads, blocks * SCAN_BLOCK, width]);
    return extra ? sliceSequence(full, 0, n) : full;
  });
}

/**
 * Hillis–Steele scan of T_j = λ_j·T_{j∓1} + U_j along axis 2 from 0: every T_j, and A_j = the product of λ over j
 * and every index before it (after it, in reverse) — the weight an initial state has at j. Returns `u` and `lambda`
 * themselves for a sequence of one.
 */
function hillisSteele(u: tf.Tensor, lambda: tf.Tensor, reverse: boolean): { t: tf.Tensor; a: tf.Tensor } {
  const n = u.shape[2]!;
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
  return { t, a };
}
