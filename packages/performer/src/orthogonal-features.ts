import * as tf from '@tensorflow/tfjs-core';

/**
 * Positive orthogonal random features Ω [p, m] of FAVOR+ (Choromanski et al., "Rethinking Attention with
 * Performers", ICLR 2021, arXiv 2009.14794, §2.4 "orthogonal random features"): the m columns ω_r come in blocks of p
 * mutually orthogonal unit directions (Gram–Schmidt of a Gaussian p×p matrix, in float64), each scaled by the norm of
 * an independent standard normal p-vector, so every ω_r is marginally N(0, I_p) while a block is exactly orthogonal.
 * The last block is truncated when p does not divide m.
 *
 * Deterministic: the Gaussian draws come from `tf.randomNormal` with `seed` (tfjs-core's seeded generator, identical on
 * every backend). Returns a float32 tensor [p, m].
 * @throws RangeError when p or m is not a positive integer or the seed is not a finite number.
 */
export function drawOrthogonalFeatures(p: number, m: number, seed: number): tf.Tensor2D {
  for (const [name, value] of [
    ['p', p],
    ['m', m],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`drawOrthogonalFeatures: '${name}' must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isFinite(seed))
    throw new RangeError(`drawOrthogonalFeatures: 'seed' must be a finite number, got ${seed}`);
  const blocks = Math.ceil(m / p);
  const gaussian = tf.tidy(() => tf.randomNormal([blocks, p, p], 0, 1, 'float32', seed).dataSync());
  const lengths = tf.tidy(() => tf.randomNormal([m, p], 0, 1, 'float32', seed + 1).dataSync());
  const omega = new Float32Array(p * m);
  for (let block = 0; block < blocks; block++) {
    const rows = orthonormalRows(gaussian.subarray(block * p * p, (block + 1) * p * p), p);
    for (let i = 0; i < p && block * p + i < m; i++) {
      const r = block * p + i;
      let norm = 0;
      for (let j = 0; j < p; j++) norm += lengths[r * p + j]! ** 2;
      norm = Math.sqrt(norm);
      for (let j = 0; j < p; j++) omega[j * m + r] = rows[i * p + j]! * norm;
    }
  }
  return tf.tensor2d(omega, [p, m]);
}

/** Modified Gram–Schmidt on the rows of a p×p matrix (float64); a degenerate row is replaced by a unit vector. */
function orthonormalRows(values: ArrayLike<number>, p: number): Float64Array {
  const rows = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < p; i++) {
    const row = rows.subarray(i * p, (i + 1) * p);
    for (let k = 0; k < i; k++) {
      const prev = rows.subarray(k * p, (k + 1) * p);
      let dot = 0;
      for (let j = 0; j < p; j++) dot += row[j]! * prev[j]!;
      for (let j = 0; j < p; j++) row[j] = row[j]! - dot * prev[j]!;
    }
    let norm = Math.hypot(...row);
    if (!(norm > 1e-12)) {
      row.fill(0);
      row[i] = 1;
      norm = 1;
    }
    for (let j = 0; j < p; j++) row[j] = row[j]! / norm;
  }
  return rows;
}
