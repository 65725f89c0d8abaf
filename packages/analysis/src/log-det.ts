/**
 * log det(I + α·G) for a symmetric positive semi-definite Gram matrix G [m, m] (row-major, float64), by a plain
 * JavaScript Cholesky factorisation in float64: I + α·G = L·Lᵀ, log det = 2·Σ log L_ii.
 *
 * Why Cholesky in JS: tfjs has no logdet/Cholesky op on every backend (wasm has none), and the matrices here are
 * small (m ≤ a few hundred: a head's or a model's width). I + α·G has every eigenvalue ≥ 1 when α ≥ 0, so the
 * factorisation cannot break down and needs no pivoting; float64 makes it exact to ~1e-12 relative.
 */
export function logDetIdentityPlus(gram: Float64Array, m: number, alpha: number): number {
  const a = new Float64Array(m * m);
  for (let i = 0; i < m * m; i++) a[i] = alpha * gram[i]!;
  for (let i = 0; i < m; i++) a[i * m + i]! += 1;
  let logDet = 0;
  // Cholesky–Banachiewicz, lower triangle in place.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j]!;
      for (let k = 0; k < j; k++) sum -= a[i * m + k]! * a[j * m + k]!;
      if (i === j) {
        if (!(sum > 0)) {
          throw new Error(
            `logDetIdentityPlus: I + α·G is not positive definite (pivot ${i} = ${sum}); G must be a Gram matrix and α ≥ 0`,
          );
        }
        const diagonal = Math.sqrt(sum);
        a[i * m + i] = diagonal;
        logDet += 2 * Math.log(diagonal);
      } else {
        a[i * m + j] = sum / a[j * m + j]!;
      }
    }
  }
  return logDet;
}

/**
 * The smaller Gram matrix of the rows `rows` of a row-major [?, d] array (each row one token): ZᵀZ [d, d] when
 * n ≥ d, else Z·Zᵀ [n, n]. Sylvester's identity det(I_d + α·ZᵀZ) = det(I_n + α·Z·Zᵀ) makes both give the same log
 * det, so the cheaper one is used. Accumulated in float64.
 */
export function smallerGram(
  data: ArrayLike<number>,
  rows: readonly number[],
  d: number,
  columnOffset = 0,
  rowStride = d,
): { gram: Float64Array; size: number } {
  const n = rows.length;
  if (n >= d) {
    const gram = new Float64Array(d * d);
    const row = new Float64Array(d);
    for (const r of rows) {
      const base = r * rowStride + columnOffset;
      for (let j = 0; j < d; j++) row[j] = data[base + j]!;
      for (let i = 0; i < d; i++) {
        const v = row[i]!;
        if (v === 0) continue;
        for (let j = 0; j <= i; j++) gram[i * d + j]! += v * row[j]!;
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) gram[j * d + i] = gram[i * d + j]!;
    return { gram, size: d };
  }
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    const baseA = rows[a]! * rowStride + columnOffset;
    for (let b = 0; b <= a; b++) {
      const baseB = rows[b]! * rowStride + columnOffset;
      let sum = 0;
      for (let j = 0; j < d; j++) sum += data[baseA + j]! * data[baseB + j]!;
      gram[a * n + b] = sum;
      gram[b * n + a] = sum;
    }
  }
  return { gram, size: n };
}
