import * as tf from '@tensorflow/tfjs-core';
import { logDetIdentityPlusGramOf } from './log-det.js';
import { realTokenRows, requirePositiveNumber, requireTensor, shapeOf } from './validation.js';

/**
 * Coding rate of a set of tokens (MCR², Yu et al. 2020; CRATE, spec crate.md): for tokens Z [n, d] (one token per
 * row), `R(Z) = ½·log det(I_d + d/(n·ε²)·ZᵀZ)`: the number of nats needed to code the tokens up to distortion ε.
 *
 * Z may carry leading batch axes: [n, d] → a number, [B, n, d] → one value per example, [B, H, n, d] → [B][H]
 * (e.g. per head). Computed in float64 in JavaScript on the smaller side (ZᵀZ [d, d] or Z·Zᵀ [n, n], equal log det
 * by Sylvester's identity), factored by Givens rotations from the tokens themselves without forming the Gram matrix,
 * so large token magnitudes (e.g. 1e8) stay exact; beyond ~1e14 a RangeError says to scale the tokens (see
 * `logDetIdentityPlusGramOf`).
 * The tensor is only read; nothing is allocated on the tfjs side.
 */
export function codingRate(z: tf.Tensor2D, eps: number): number;
export function codingRate(z: tf.Tensor3D, eps: number): number[];
export function codingRate(z: tf.Tensor4D, eps: number): number[][];
export function codingRate(z: tf.Tensor, eps: number): number | number[] | number[][];
export function codingRate(z: tf.Tensor, eps: number): number | number[] | number[][] {
  const caller = 'codingRate';
  requireTensor(caller, 'Z', z, [2, 3, 4], '[n, d], [batch, n, d] or [batch, heads, n, d]');
  requirePositiveNumber(caller, "argument 'eps'", eps);
  const n = z.shape[z.rank - 2]!;
  const d = z.shape[z.rank - 1]!;
  if (n === 0) throw new RangeError(`${caller}: argument 'Z' has no tokens (shape ${shapeOf(z)})`);
  const data = z.dataSync();
  const sets = z.size / (n * d);
  const rows = Array.from({ length: n }, (_, i) => i);
  const values: number[] = [];
  for (let s = 0; s < sets; s++) {
    values.push(0.5 * logDetIdentityPlusGramOf(data, rows, d, d / (n * eps * eps), s * n * d));
  }
  if (z.rank === 2) return values[0]!;
  if (z.rank === 3) return values;
  const heads = z.shape[1]!;
  return Array.from({ length: z.shape[0]! }, (_, b) => values.slice(b * heads, (b + 1) * heads));
}

/** Options of `mcr2Compression`. */
export interface SubspaceOptions {
  /** Number of subspaces K: U's columns split into K blocks of p = columns / K (head k = columns k·p … k·p+p−1). */
  heads: number;
  /** Distortion ε of the coding rate. */
  eps: number;
  /** Bias added after the projection (TSSA's projection W = Z·U + u); none by default. */
  bias?: tf.Tensor1D;
  /** Padding mask [batch, n] (1 = token): padded tokens are left out and n counts real tokens only. */
  mask?: tf.Tensor2D;
}

/**
 * The MCR² compression term over subspaces U_1…U_K (CRATE's objective, spec crate.md):
 * `R^c(Z | U) = Σ_k ½·log det(I_p + p/(n·ε²)·(Z·U_k)ᵀ(Z·U_k))` — the coding rate of the tokens projected on each
 * subspace, summed over subspaces. Z [n, d] → a number, [B, n, d] → one value per example. U [d, K·p] in the tfjs
 * kernel layout ([in, out]); the projection runs in tfjs (float32), the log dets in float64 (Cholesky, as
 * `codingRate`).
 */
export function mcr2Compression(z: tf.Tensor2D, u: tf.Tensor2D, options: SubspaceOptions): number;
export function mcr2Compression(z: tf.Tensor3D, u: tf.Tensor2D, options: SubspaceOptions): number[];
export function mcr2Compression(z: tf.Tensor, u: tf.Tensor2D, options: SubspaceOptions): number | number[];
export function mcr2Compression(z: tf.Tensor, u: tf.Tensor2D, options: SubspaceOptions): number | number[] {
  const caller = 'mcr2Compression';
  const { projected, batch, seq, heads, p, rows } = projectOnSubspaces(caller, z, u, options);
  const eps = requirePositiveNumber(caller, "option 'eps'", options.eps);
  const values: number[] = [];
  for (let b = 0; b < batch; b++) {
    const tokens = rows[b]!;
    let total = 0;
    if (tokens.length > 0) {
      for (let k = 0; k < heads; k++) {
        total +=
          0.5 *
          logDetIdentityPlusGramOf(
            projected,
            tokens,
            p,
            p / (tokens.length * eps * eps),
            b * seq * heads * p + k * p,
            heads * p,
          );
      }
    }
    values.push(total);
  }
  return z.rank === 2 ? values[0]! : values;
}

/**
 * Shared by the subspace measures: validates Z, U, the head count, bias and mask, and returns Z·U (+ u) as a
 * float32 row-major [B, n, K·p] array with each example's real-token indices.
 */
export function projectOnSubspaces(
  caller: string,
  z: tf.Tensor,
  u: tf.Tensor,
  options: { heads: number; bias?: tf.Tensor1D; mask?: tf.Tensor2D },
): { projected: Float32Array; batch: number; seq: number; heads: number; p: number; rows: number[][] } {
  requireTensor(caller, 'Z', z, [2, 3], '[n, d] or [batch, n, d]');
  requireTensor(caller, 'U', u, [2], '[d, heads·p]');
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${caller}: expected an options object with 'heads', got ${String(options)}`);
  }
  const d = z.shape[z.rank - 1]!;
  if (u.shape[0] !== d) {
    throw new RangeError(
      `${caller}: argument 'U' must have ${d} rows (the width of Z ${shapeOf(z)}), got ${shapeOf(u)}`,
    );
  }
  const heads = options.heads;
  if (!Number.isInteger(heads) || heads <= 0 || u.shape[1]! % heads !== 0) {
    throw new RangeError(
      `${caller}: option 'heads' must be a positive integer dividing U's ${u.shape[1]} columns, got ${String(heads)}`,
    );
  }
  const out = u.shape[1]!;
  if (options.bias) {
    requireTensor(caller, "option 'bias'", options.bias, [1], `[${out}]`);
    if (options.bias.shape[0] !== out) {
      throw new RangeError(`${caller}: option 'bias' must have shape [${out}], got ${shapeOf(options.bias)}`);
    }
  }
  const batch = z.rank === 3 ? z.shape[0]! : 1;
  const seq = z.shape[z.rank - 2]!;
  let maskData: Float32Array | undefined;
  if (options.mask) {
    requireTensor(caller, "option 'mask'", options.mask, [2], `[batch, n] = [${batch}, ${seq}]`);
    if (options.mask.shape[0] !== batch || options.mask.shape[1] !== seq) {
      throw new RangeError(
        `${caller}: option 'mask' must have shape [batch, n] = [${batch}, ${seq}], got ${shapeOf(options.mask)}`,
      );
    }
    maskData = readAndDispose(tf.cast(options.mask, 'float32'));
  }
  const projected = readAndDispose(
    tf.tidy(() => {
      const flat = tf.reshape(z, [batch * seq, d]);
      const w = tf.matMul(tf.cast(flat, 'float32'), tf.cast(u, 'float32'));
      return options.bias ? tf.add(w, options.bias) : w;
    }),
  );
  return { projected, batch, seq, heads, p: out / heads, rows: realTokenRows(maskData, batch, seq) };
}

/** The float32 values of a tensor this module created, which is then disposed. */
export function readAndDispose(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
