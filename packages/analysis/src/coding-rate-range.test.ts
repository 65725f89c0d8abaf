import { expect, it } from 'vitest';
import { describeOn } from './test-models.js';
import * as tf from '@tensorflow/tfjs-core';
import { codingRate, logDetIdentityPlus, logDetIdentityPlusGramOf, mcr2Compression } from './index.js';

/** ½·log(1 + d·|t|²/ε²): the exact coding rate of n identical tokens t in d dimensions (one nonzero eigenvalue). */
function identicalTokensRate(t: number[], eps: number): number {
  const squared = t.reduce((s, v) => s + v * v, 0);
  return 0.5 * Math.log1p((t.length * squared) / (eps * eps));
}

describeOn('cpu', 'codingRate at large token magnitudes', () => {
  it('five identical tokens of magnitude 1e8 give the exact value (was "not positive definite")', () => {
    const t = [1e8, 1e8, 1e8, 1e8];
    const z = tf.tensor2d(Array.from({ length: 5 }, () => t));
    const expected = identicalTokensRate(t, 0.5);
    expect(expected).toBeCloseTo(20.5, 1);
    expect(Math.abs(codingRate(z, 0.5) - expected) / expected).toBeLessThan(1e-12);
    z.dispose();
  });

  for (const magnitude of [1e-6, 1, 1e4, 1e8]) {
    it(`identical and rank-one tokens at magnitude ${magnitude}: relative error < 1e-9, both Gram sides`, () => {
      const t = [0.3, -1.1, 0.7].map((v) => v * magnitude);
      for (const n of [2, 5]) {
        // n = 2 < d = 3 uses the n×n side, n = 5 the d×d side
        const z = tf.tensor2d(
          Array.from({ length: n }, () => t),
          undefined,
          'float32',
        );
        const exact = identicalTokensRate(Array.from(z.dataSync().slice(0, 3)), 0.5);
        expect(Math.abs(codingRate(z, 0.5) - exact) / Math.max(exact, 1e-300)).toBeLessThan(1e-9);
        z.dispose();
      }
    });
  }

  it('mcr2Compression of huge projected tokens is finite and matches the closed form', () => {
    const z = tf.tensor2d(Array.from({ length: 5 }, () => [1e8, 0, 0, 0]));
    const u = tf.eye(4) as tf.Tensor2D; // two heads of p = 2
    const value = mcr2Compression(z, u, { heads: 2, eps: 0.5 });
    // head 1 sees (1e8, 0) on 5 tokens, head 2 sees zeros
    expect(Math.abs(value - identicalTokensRate([1e8, 0], 0.5)) / value).toBeLessThan(1e-12);
    tf.dispose([z, u]);
  });

  it('logDetIdentityPlusGramOf agrees with the Cholesky path at ordinary scales', () => {
    const data = [0.2, -1, 0.5, 1.3, 0.7, 0.1, -0.4, 2, 0.9, -0.3, 0.6, 1.1];
    const rows = [0, 1, 2, 3];
    const gram = new Float64Array(9);
    for (const r of rows)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) gram[i * 3 + j]! += data[r * 3 + i]! * data[r * 3 + j]!;
    expect(logDetIdentityPlusGramOf(data, rows, 3, 0.8)).toBeCloseTo(logDetIdentityPlus(gram, 3, 0.8), 12);
    expect(() => logDetIdentityPlusGramOf(data, rows, 3, -1)).toThrow(
      /α must be a finite number ≥ 0, got -1/,
    );
    expect(() => logDetIdentityPlusGramOf([NaN, 1, 1], [0], 3, 1)).toThrow(
      /value NaN at row .* is not finite/,
    );
  });

  it('logDetIdentityPlus (given a Gram matrix) explains a breakdown from huge entries with a RangeError', () => {
    const gram = Float64Array.from([1e16, 1e16, 1e16, 1e16]);
    expect(() => logDetIdentityPlus(gram, 2, 64)).toThrow(
      /not positive definite in float64 .* entries \(here up to 6\.40e\+17\) are so large that the identity is lost/,
    );
  });

  it('at 1e12 the error stays below 1e-5; beyond 1e14 a RangeError says to scale the tokens', () => {
    const t = [0.3e12, -1.1e12, 0.7e12];
    const z = tf.tensor2d([t, t, t, t, t]);
    const exact = identicalTokensRate(Array.from(z.dataSync().slice(0, 3)), 0.5);
    expect(Math.abs(codingRate(z, 0.5) - exact) / exact).toBeLessThan(1e-5);
    const huge = tf.tensor2d([[1e30, 0, 0]]);
    expect(() => codingRate(huge, 0.5)).toThrow(/exceeds 1e\+14: .*Scale the tokens down/);
    tf.dispose([z, huge]);
  });

  it('NaN or infinite tokens are a clear error', () => {
    const z = tf.tensor2d([
      [1, NaN],
      [1, 2],
    ]);
    expect(() => codingRate(z, 0.5)).toThrow(/not finite/);
    z.dispose();
  });
});
