import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { expectClose } from '@tost/vitest-config';
import { initBackend } from './index.node.js';
import { MIN_LOOP_PIECE } from './wasm-batch-matmul-loop.js';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (((i + 1) * 2654435761 + seed * 97) % 2000) / 1000 - 1);
}

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
  /** tfjs-core 4.22's matMul gradient does not reduce a broadcast batch (it throws on cpu too): values only. */
  broadcast?: boolean;
}

// Products large enough to loop (≥ 32³ multiply-adds each), broadcast batches, and small ones the batched kernel keeps.
const CASES: Case[] = [
  { a: [3, 40, 32], b: [3, 32, 33], ta: false, tb: false },
  { a: [2, 3, 32, 40], b: [2, 3, 32, 33], ta: true, tb: false },
  { a: [2, 3, 40, 32], b: [2, 3, 33, 32], ta: false, tb: true },
  { a: [4, 32, 40], b: [4, 33, 32], ta: true, tb: true },
  { a: [1, 40, 32], b: [5, 32, 33], ta: false, tb: false, broadcast: true },
  { a: [5, 40, 32], b: [32, 33], ta: false, tb: false, broadcast: true },
  { a: [2, 1, 40, 32], b: [2, 1, 32, 33], ta: false, tb: false },
  { a: [6, 4, 5], b: [6, 5, 3], ta: false, tb: false },
];

/** Value and gradients of sum(matMul(a, b) ⊙ probe) on the current backend, as plain arrays. */
function run({ a, b, ta, tb, broadcast }: Case) {
  return tf.tidy(() => {
    const x = tf.tensor(
      values(
        a.reduce((p, d) => p * d, 1),
        1,
      ),
      a,
    );
    const y = tf.tensor(
      values(
        b.reduce((p, d) => p * d, 1),
        2,
      ),
      b,
    );
    const out = tf.matMul(x, y, ta, tb);
    const probe = tf.tensor(values(out.size, 3), out.shape);
    if (broadcast) return { shape: out.shape, out: Array.from(out.dataSync()), dx: [], dy: [] };
    const [dx, dy] = tf.grads((u: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(u, w, ta, tb), probe)))(
      [x, y],
    );
    return {
      shape: out.shape,
      out: Array.from(out.dataSync()),
      dx: Array.from(dx!.dataSync()),
      dy: Array.from(dy!.dataSync()),
    };
  });
}

describe('wasm BatchMatMul as a loop of single products (installed by initBackend)', () => {
  const expected: ReturnType<typeof run>[] = [];
  beforeAll(async () => {
    await initBackend('cpu');
    for (const c of CASES) expected.push(run(c));
    await initBackend('wasm');
  });

  it('a case loops when its products reach the threshold', () => {
    expect(40 * 32 * 33).toBeGreaterThanOrEqual(MIN_LOOP_PIECE);
    expect(4 * 5 * 3).toBeLessThan(MIN_LOOP_PIECE);
  });

  it.each(CASES.map((c, i) => [JSON.stringify(c), i] as const))(
    '%s equals the cpu backend, values and gradients',
    (_, i) => {
      expect(tf.getBackend()).toBe('wasm');
      const before = tf.memory().numTensors;
      const bytes = tf.memory().numBytes;
      const got = run(CASES[i]!);
      expect(got.shape).toEqual(expected[i]!.shape);
      expectClose(got.out, expected[i]!.out, { rtol: 1e-5, atol: 1e-5, label: 'values' });
      expectClose(got.dx, expected[i]!.dx, { rtol: 1e-5, atol: 1e-5, label: 'gradient of a' });
      expectClose(got.dy, expected[i]!.dy, { rtol: 1e-5, atol: 1e-5, label: 'gradient of b' });
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.memory().numBytes).toBe(bytes);
    },
  );

  it('zero-sized operands give zero-sized (or zero) products as on cpu', () => {
    for (const [a, b, shape] of [
      [
        [3, 0, 32],
        [3, 32, 40],
        [3, 0, 40],
      ],
      [
        [3, 40, 0],
        [3, 0, 40],
        [3, 40, 40],
      ],
      [
        [0, 40, 32],
        [0, 32, 40],
        [0, 40, 40],
      ],
    ] as [number[], number[], number[]][]) {
      const y = tf.matMul(tf.zeros(a), tf.zeros(b));
      expect(y.shape).toEqual(shape);
      expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
      y.dispose();
    }
  });

  it('each looped product has the bits of the 2-D tf.matMul of its pieces', () => {
    tf.tidy(() => {
      const a = tf.tensor(values(3 * 40 * 32, 4), [3, 40, 32]) as tf.Tensor3D;
      const b = tf.tensor(values(3 * 32 * 33, 5), [3, 32, 33]) as tf.Tensor3D;
      const batched = tf.matMul(a, b).dataSync();
      const pieces = tf
        .unstack(a)
        .map((ai, i) => tf.matMul(ai as tf.Tensor2D, tf.unstack(b)[i] as tf.Tensor2D));
      expect(Array.from(batched)).toEqual(Array.from(tf.concat(pieces, 0).dataSync()));
    });
  });
});
