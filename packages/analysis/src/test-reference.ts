/** Independent float64 references for the tests (plain JS numbers, written from the spec's formulas). */

/** Deterministic pseudo-random numbers in [−1, 1). */
export function numbers(count: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/**
 * R_var exactly as the paper writes it, in float64 plain JS, with the paper's layout: Z [d, n] (tokens as columns),
 * U_k [d, p], M = U_kᵀ·Z·Diag(π_k)·Zᵀ·U_k [p, p] formed in full, then ½ Σ_k (n_k/n) Σ_i log(1 + M_ii / n_k).
 */
export function referenceRvar(
  tokens: number[][], // [n][d]
  pi: number[][], // [K][n]
  kernel: number[][], // [d][K·p], tfjs layout
  bias: number[], // [K·p]
  real: boolean[], // [n]
): number {
  const n = tokens.length;
  const d = tokens[0]!.length;
  const heads = pi.length;
  const p = kernel[0]!.length / heads;
  const nReal = real.filter(Boolean).length;
  // With a bias the projection is U_kᵀz + u_k: append a constant 1 row to Z and u_k as a row of U_k.
  const zAug = Array.from({ length: d + 1 }, (_, r) =>
    Array.from({ length: n }, (_, i) => (r < d ? tokens[i]![r]! : 1)),
  );
  let total = 0;
  for (let k = 0; k < heads; k++) {
    const uk = Array.from({ length: d + 1 }, (_, r) =>
      Array.from({ length: p }, (_, c) => (r < d ? kernel[r]![k * p + c]! : bias[k * p + c]!)),
    );
    const piK = pi[k]!.map((v, i) => (real[i] ? v : 0));
    const nk = piK.reduce((a, b) => a + b, 0);
    // A = U_kᵀ Z [p, n]
    const a = Array.from({ length: p }, (_, r) =>
      Array.from({ length: n }, (_, i) => uk.reduce((s, row, m) => s + row[r]! * zAug[m]![i]!, 0)),
    );
    // M = A Diag(π) Aᵀ [p, p]
    const m = Array.from({ length: p }, (_, r) =>
      Array.from({ length: p }, (_, c) => a[r]!.reduce((s, v, i) => s + v * piK[i]! * a[c]![i]!, 0)),
    );
    let inner = 0;
    for (let i = 0; i < p; i++) inner += Math.log(1 + m[i]![i]! / nk);
    total += (nk / nReal) * inner;
  }
  return 0.5 * total;
}

export function softmaxOverHeads(logits: number[][]): number[][] {
  const heads = logits.length;
  const n = logits[0]!.length;
  const out = Array.from({ length: heads }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const max = Math.max(...logits.map((row) => row[i]!));
    const e = logits.map((row) => Math.exp(row[i]! - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (out[k]![i] = v / sum));
  }
  return out;
}

/**
 * TSSA's membership Π from the spec's steps 1–4, in float64 for one example: w = x·U + u (zero at padded tokens),
 * ν_j = max(√Σ_i w_ij², 1e-12) per head and channel, ℓ_k,i = τ_k Σ_j (w_ij/ν_j)², Π = softmax over heads
 * (0 at padded tokens). Returns [K][n].
 */
export function referenceMembership(
  tokens: number[][], // [n][d]
  kernel: number[][], // [d][K·p]
  bias: number[],
  temperature: number[], // [K]
  real: boolean[],
): number[][] {
  const heads = temperature.length;
  const width = kernel[0]!.length;
  const p = width / heads;
  const w = tokens.map((x, i) =>
    Array.from({ length: width }, (_, c) =>
      real[i] ? x.reduce((s, v, r) => s + v * kernel[r]![c]!, bias[c]!) : 0,
    ),
  );
  const logits = Array.from({ length: heads }, (_, k) => {
    const norms = Array.from({ length: p }, (_, j) =>
      Math.max(Math.sqrt(w.reduce((s, row) => s + row[k * p + j]! ** 2, 0)), 1e-12),
    );
    return w.map((row) => temperature[k]! * norms.reduce((s, nu, j) => s + (row[k * p + j]! / nu) ** 2, 0));
  });
  return softmaxOverHeads(logits).map((row) => row.map((v, i) => (real[i] ? v : 0)));
}

/** A [rows][cols] view of a flat array. */
export function rowsOf(flat: ArrayLike<number>, rows: number, cols: number, offset = 0): number[][] {
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => flat[offset + r * cols + c]!),
  );
}
