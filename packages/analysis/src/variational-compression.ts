import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './coding-rate.js';
import { realTokenRows, requireTensor, shapeOf } from './validation.js';

/** Options of `variationalCompression`. */
export interface VariationalCompressionOptions {
  /** Bias u of the projection W = Z·U + u (a TSSA layer's `qkv_bias`); none by default. */
  bias?: tf.Tensor1D;
  /**
   * Padding mask [batch, n] (1 = token): padded tokens get π = 0 and n counts the real tokens only.
   * Without it every token is real.
   */
  mask?: tf.Tensor2D;
}

/**
 * The variational compression term of ToST (ToST, arXiv 2412.17810, "Paper formulas"), with f(x) = log(1 + x):
 *
 *   R_var(Z, Π | U) = ½ Σ_k (n_k / n) Σ_j f( (1/n_k)·(U_kᵀ Z Diag(π_k) Zᵀ U_k)_jj ),   n_k = Σ_i π_k,i,
 *
 * the sum over j running over the p diagonal entries of head k. With tokens as rows (Z [n, d]) and w = Z·U (+ u),
 * the diagonal entry is Σ_i π_k,i·w_ik,j², so (1/n_k)·(…)_jj is exactly TSSA's statistic s_kj (step 5, without
 * its 1e-8) and f'(s) = 1/(1 + s) is its gain. A head with no membership mass (n_k = 0) contributes 0, the limit of
 * its term.
 *
 * Shapes: Z [n, d] with Π [K, n] → a number; Z [B, n, d] with Π [B, K, n] → one value per example. U [d, K·p] in
 * the tfjs kernel layout (head k = columns k·p … k·p+p−1, as `splitHeads`). The Π-weighted second moments are
 * computed with tfjs (float32 matMuls), the logs and sums in float64. No tensors are left behind.
 */
export function variationalCompression(
  z: tf.Tensor2D,
  membership: tf.Tensor2D,
  u: tf.Tensor2D,
  options?: VariationalCompressionOptions,
): number;
export function variationalCompression(
  z: tf.Tensor3D,
  membership: tf.Tensor3D,
  u: tf.Tensor2D,
  options?: VariationalCompressionOptions,
): number[];
export function variationalCompression(
  z: tf.Tensor,
  membership: tf.Tensor,
  u: tf.Tensor2D,
  options?: VariationalCompressionOptions,
): number | number[];
export function variationalCompression(
  z: tf.Tensor,
  membership: tf.Tensor,
  u: tf.Tensor2D,
  options: VariationalCompressionOptions = {},
): number | number[] {
  const caller = 'variationalCompression';
  requireTensor(caller, 'Z', z, [2, 3], '[n, d] or [batch, n, d]');
  const batched = z.rank === 3;
  requireTensor(
    caller,
    'Π',
    membership,
    [z.rank],
    batched ? '[batch, heads, n] (Z is [batch, n, d])' : '[heads, n] (Z is [n, d])',
  );
  requireTensor(caller, 'U', u, [2], '[d, heads·p]');
  const batch = batched ? z.shape[0]! : 1;
  const seq = z.shape[z.rank - 2]!;
  const d = z.shape[z.rank - 1]!;
  const heads = membership.shape[membership.rank - 2]!;
  const expectedPi = batched ? [batch, heads, seq] : [heads, seq];
  if (membership.shape.some((s, i) => s !== expectedPi[i])) {
    throw new RangeError(
      `${caller}: argument 'Π' must have shape [${batched ? 'batch, ' : ''}heads, n] with n = ${seq}` +
        `${batched ? ` and batch = ${batch}` : ''} (from Z ${shapeOf(z)}), got ${shapeOf(membership)}`,
    );
  }
  if (u.shape[0] !== d) {
    throw new RangeError(
      `${caller}: argument 'U' must have ${d} rows (the width of Z ${shapeOf(z)}), got ${shapeOf(u)}`,
    );
  }
  if (u.shape[1]! % heads !== 0) {
    throw new RangeError(
      `${caller}: argument 'U' must have a multiple of heads = ${heads} columns (Π has ${heads} heads), got ${shapeOf(u)}`,
    );
  }
  const width = u.shape[1]!;
  const p = width / heads;
  const { bias, mask } = options;
  if (bias) {
    requireTensor(caller, "option 'bias'", bias, [1], `[${width}]`);
    if (bias.shape[0] !== width)
      throw new RangeError(`${caller}: option 'bias' must have shape [${width}], got ${shapeOf(bias)}`);
  }
  if (mask) {
    requireTensor(caller, "option 'mask'", mask, [2], `[batch, n] = [${batch}, ${seq}]`);
    if (mask.shape[0] !== batch || mask.shape[1] !== seq) {
      throw new RangeError(
        `${caller}: option 'mask' must have shape [batch, n] = [${batch}, ${seq}], got ${shapeOf(mask)}`,
      );
    }
  }

  const moments = tf.tidy(() => {
    const w = tf.matMul(tf.reshape(tf.cast(z, 'float32'), [batch * seq, d]), tf.cast(u, 'float32'));
    const projected = bias ? tf.add(w, bias) : w;
    // [B·n, K·p] → [B, K, n, p]: head k takes channels k·p … k·p+p−1.
    const squares = tf.square(tf.transpose(tf.reshape(projected, [batch, seq, heads, p]), [0, 2, 1, 3]));
    let pi = tf.reshape(tf.cast(membership, 'float32'), [batch, heads, 1, seq]);
    if (mask) pi = tf.mul(pi, tf.reshape(tf.cast(mask, 'float32'), [batch, 1, 1, seq]));
    // Σ_i π_k,i w_ik,j² for every head and channel [B, K, 1, p], and n_k [B, K, 1, 1], packed together.
    return tf.concat([tf.matMul(pi, squares), tf.sum(pi, 3, true)], 3);
  });
  const packed = readAndDispose(moments);
  const maskData = mask ? readAndDispose(tf.cast(mask, 'float32')) : undefined;
  const counts = realTokenRows(maskData, batch, seq).map((r) => r.length);

  const values: number[] = [];
  for (let b = 0; b < batch; b++) {
    const n = counts[b]!;
    let total = 0;
    for (let k = 0; k < heads; k++) {
      const base = (b * heads + k) * (p + 1);
      const nk = packed[base + p]!;
      if (!(nk > 0) || n === 0) continue;
      let sum = 0;
      for (let j = 0; j < p; j++) sum += Math.log1p(packed[base + j]! / nk);
      total += (nk / n) * sum;
    }
    values.push(0.5 * total);
  }
  return batched ? values : values[0]!;
}
