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
          throw new RangeError(
            `logDetIdentityPlus: I + α·G is not positive definite in float64 (pivot ${i} = ${sum}): either G is not ` +
              `a Gram matrix (or α < 0), or α·G's entries (here up to ${maxAbs(a, m).toExponential(2)}) are so large ` +
              'that the identity is lost to rounding (above ~1e15). Scale the data down, or use ' +
              'logDetIdentityPlusGramOf, which works from the rows themselves.',
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

function maxAbs(a: Float64Array, m: number): number {
  let max = 0;
  for (let i = 0; i < m * m; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

/** Above this √α·|value|, rounding (~1e-16 relative) of a rank-deficient set would exceed ~1e-2 of the identity. */
const MAX_SCALED = 1e14;

/**
 * log det(I + α·AᵀA) for the rows `rows` of a row-major array A [?, d] (each row one token; columns
 * `columnOffset … columnOffset + d − 1` of rows `rowStride` apart), computed WITHOUT forming the Gram matrix: the
 * upper-triangular R with RᵀR = I + α·AᵀA is built by Givens rotations, starting from R = I and folding in one row
 * of √α·A at a time (the row-append update of a QR factorisation), so log det = 2·Σ log R_ii = Σ log1p(R_ii² − 1). The smaller side is
 * used (Sylvester: det(I_d + α·AᵀA) = det(I_n + α·A·Aᵀ)), cost O(n·d·min(n, d)), float64.
 *
 * Why not Cholesky of I + α·G: forming G squares the data, so for large tokens (five identical tokens of magnitude
 * 1e8 give α·G entries ~1e17) the identity falls below float64 resolution and the factorisation breaks down; the
 * rotations only ever combine √α·A (magnitude ~1e8 there) with the identity, and are backward stable.
 *
 * Exact to ~1e-9 relative while √α·|value| ≤ 1e8 (e.g. tokens of magnitude 1e8), ~1e-5 up to 1e14; beyond that
 * rounding would dominate for rank-deficient token sets, so it is refused.
 *
 * @throws RangeError when α < 0, a value is not finite, or √α·|value| > 1e14 (the message says to scale the data).
 */

export function logDetIdentityPlusGramOf(
  data: ArrayLike<number>,
  rows: readonly number[],
  d: number,
  alpha: number,
  columnOffset = 0,
  rowStride = d,
): number {
  if (!(alpha >= 0) || !Number.isFinite(alpha)) {
    throw new RangeError(`logDetIdentityPlusGramOf: α must be a finite number ≥ 0, got ${alpha}`);
  }
  const n = rows.length;
  const scale = Math.sqrt(alpha);
  // Rows of the factor to fold in: the tokens (m = d) or, when there are fewer tokens than features, the features
  // (m = n, the rows of Aᵀ).
  const m = Math.min(n, d);
  const count = n >= d ? n : d;
  const value =
    n >= d
      ? (r: number, j: number) => data[rows[r]! * rowStride + columnOffset + j]!
      : (r: number, j: number) => data[rows[j]! * rowStride + columnOffset + r]!;
  const R = new Float64Array(m * m);
  for (let i = 0; i < m; i++) R[i * m + i] = 1;
  // R_ii² − 1, accumulated exactly as the sum of the squared entries each rotation folds into pivot i (h² = a² + b²),
  // so log det = Σ log1p(excess) keeps full relative precision for tiny tokens too.
  const excess = new Float64Array(m);
  const x = new Float64Array(m);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < m; j++) {
      const v = scale * value(r, j);
      if (!Number.isFinite(v)) {
        throw new RangeError(
          `logDetIdentityPlusGramOf: value ${value(r, j)} at row ${r}, column ${j} is not finite`,
        );
      }
      if (Math.abs(v) > MAX_SCALED) {
        throw new RangeError(
          `logDetIdentityPlusGramOf: √α·|value| = ${Math.abs(v).toExponential(2)} (row ${r}, column ${j}) exceeds ` +
            `${MAX_SCALED.toExponential(0)}: float64 rounding of the data would then outweigh the identity beside it ` +
            'and the result would be noise. Scale the tokens down (the coding rate is unchanged when the tokens and ε ' +
            'are scaled together).',
        );
      }
      x[j] = v;
    }
    for (let i = 0; i < m; i++) {
      const b = x[i]!;
      if (b === 0) continue;
      const a = R[i * m + i]!;
      const h = Math.hypot(a, b);
      const c = a / h;
      const s = b / h;
      R[i * m + i] = h;
      excess[i]! += b * b;
      for (let j = i + 1; j < m; j++) {
        const rij = R[i * m + j]!;
        const xj = x[j]!;
        R[i * m + j] = c * rij + s * xj;
        x[j] = c * xj - s * rij;
      }
    }
  }
  let logDet = 0;
  for (let i = 0; i < m; i++) logDet += Math.log1p(excess[i]!);
  return logDet;
}
