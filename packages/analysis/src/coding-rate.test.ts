import { describe, expect, it } from 'vitest';
import { describeOn } from './test-models.js';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { codingRate, logDetIdentityPlus, mcr2Compression } from './index.js';

/** Rows of √c·[I_d; 0]: n tokens in d dimensions with ZᵀZ = c·I_d (orthogonal columns). */
function orthogonalTokens(n: number, d: number, c: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, j) => (i === j ? Math.sqrt(c) : 0)),
  );
}

describeOn('cpu', 'codingRate', () => {
  it('matches the closed form d/2·log(1 + d·c/(n·ε²)) for orthogonal columns (ZᵀZ = c·I)', () => {
    for (const [n, d] of [
      [12, 5],
      [6, 6],
    ] as const) {
      const c = 2.5;
      const eps = 0.5;
      const z = tf.tensor2d(orthogonalTokens(n, d, c));
      const expected = (d / 2) * Math.log(1 + (d * c) / (n * eps * eps));
      expect(codingRate(z, eps)).toBeCloseTo(expected, 5);
      z.dispose();
    }
  });

  it('matches the closed form for a rank-deficient Z = a·bᵀ (one nonzero eigenvalue |a|²|b|²)', () => {
    const a = [1, -2, 0.5, 3, 0, 1.5, -1]; // n = 7 tokens
    const b = [0.3, 0, -1.2, 0.8, 2, -0.4, 0.1, 0.9, 1.1, -0.7]; // d = 10 > n: the n×n Gram path
    const z = tf.tensor2d(a.map((ai) => b.map((bj) => ai * bj)));
    const eps = 0.7;
    const squared = (v: number[]) => v.reduce((s, x) => s + x * x, 0);
    const expected = 0.5 * Math.log(1 + (b.length / (a.length * eps * eps)) * squared(a) * squared(b));
    expect(codingRate(z, eps)).toBeCloseTo(expected, 5);
    const zero = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(codingRate(zero, 1)).toBe(0);
    tf.dispose([z, zero]);
  });

  it('is computed per example and per head for batched inputs', () => {
    const eps = 1;
    const one = orthogonalTokens(4, 2, 1);
    const two = orthogonalTokens(4, 2, 4);
    const batched = tf.tensor3d([one, two]);
    const perHead = tf.tensor4d([[one, two]]);
    const closed = (c: number) => Math.log(1 + (2 * c) / 4); // d/2 = 1
    const values = codingRate(batched, eps);
    expect(values).toHaveLength(2);
    expect(values[0]).toBeCloseTo(closed(1), 6);
    expect(values[1]).toBeCloseTo(closed(4), 6);
    const nested = codingRate(perHead, eps);
    expect(nested).toHaveLength(1);
    expect(nested[0]![1]).toBeCloseTo(closed(4), 6);
    tf.dispose([batched, perHead]);
  });

  it('allocates no tensors and rejects bad arguments by name', async () => {
    const z = tf.ones([3, 2]) as tf.Tensor2D;
    await expectNoLeakedTensors(() => codingRate(z, 0.5));
    expect(() => codingRate(tf.ones([3]) as unknown as tf.Tensor2D, 0.5)).toThrow(
      /argument 'Z' must have shape/,
    );
    expect(() => codingRate(z, 0)).toThrow(/argument 'eps' must be a positive finite number, got number 0/);
    expect(() => codingRate([[1]] as unknown as tf.Tensor2D, 1)).toThrow(/must be a tf.Tensor/);
    z.dispose();
  });
});

describe('logDetIdentityPlus', () => {
  it('equals the log of the hand-computed determinant of a 2×2 case', () => {
    const gram = Float64Array.from([2, 1, 1, 3]);
    // det(I + 0.5·G) = (2)(2.5) − 0.25 = 4.75
    expect(logDetIdentityPlus(gram, 2, 0.5)).toBeCloseTo(Math.log(4.75), 12);
  });
});

describeOn('cpu', 'mcr2Compression', () => {
  it('sums the p-dimensional coding rates of the tokens projected on each subspace (closed form)', () => {
    // U = I split into 2 subspaces of p = 2: head 0 sees channels 0–1 (c = 1), head 1 channels 2–3 (c = 9).
    const n = 6;
    const rows = Array.from({ length: n }, (_, i) => [
      i === 0 ? 1 : 0,
      i === 1 ? 1 : 0,
      i === 2 ? 3 : 0,
      i === 3 ? 3 : 0,
    ]);
    const z = tf.tensor2d(rows);
    const u = tf.eye(4) as tf.Tensor2D;
    const eps = 0.5;
    const rate = (c: number) => (2 / 2) * Math.log(1 + (2 * c) / (n * eps * eps));
    expect(mcr2Compression(z, u, { heads: 2, eps })).toBeCloseTo(rate(1) + rate(9), 5);
    tf.dispose([z, u]);
  });

  it('leaves padded tokens out (equal to the rate of the real tokens alone) and adds the bias', () => {
    const real = [
      [1, 2, 0],
      [0, 1, -1],
      [2, 0, 1],
    ];
    const padded = tf.tensor3d([[...real, [9, 9, 9], [5, -5, 5]]]);
    const mask = tf.tensor2d([[1, 1, 1, 0, 0]]);
    const alone = tf.tensor3d([real]);
    const u = tf.tensor2d([
      [1, 0, 0.5, 0, 0, 1],
      [0, 1, 0, 0.5, 1, 0],
      [0.2, 0, 1, 0, 0, 1],
    ]);
    const bias = tf.tensor1d([0.1, 0, -0.2, 0.3, 0, 0]);
    const withMask = mcr2Compression(padded, u, { heads: 3, eps: 0.5, mask, bias });
    const direct = mcr2Compression(alone, u, { heads: 3, eps: 0.5, bias });
    expect(withMask[0]).toBeCloseTo(direct[0]!, 5);
    // The bias matters: the projection is Z·U + u.
    expect(Math.abs(mcr2Compression(alone, u, { heads: 3, eps: 0.5 })[0]! - direct[0]!)).toBeGreaterThan(
      1e-3,
    );
    expect(() => mcr2Compression(alone, u, { heads: 4, eps: 0.5 })).toThrow(
      /option 'heads' must be a positive integer dividing U's 6 columns, got 4/,
    );
    expect(() => mcr2Compression(alone, tf.eye(2) as tf.Tensor2D, { heads: 1, eps: 0.5 })).toThrow(
      /argument 'U' must have 3 rows/,
    );
    tf.dispose([padded, mask, alone, u, bias]);
  });
});
