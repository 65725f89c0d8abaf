import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from './index.node.js';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => (((i + 1) * 2654435761 + seed * 97) % 2000) / 1000 - 1);
}

/** a·b by its definition in float64 (rank 2 or 3 with equal batch), with optional transposes. */
function matMulByDefinition(
  a: number[],
  aShape: number[],
  b: number[],
  bShape: number[],
  ta: boolean,
  tb: boolean,
): number[] {
  const batch = aShape.length === 3 ? aShape[0]! : 1;
  const [ar, ac] = aShape.slice(-2) as [number, number];
  const [br, bc] = bShape.slice(-2) as [number, number];
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  const at = (i: number, j: number, t: number) =>
    ta ? a[t * ar * ac + j * ac + i]! : a[t * ar * ac + i * ac + j]!;
  const bt = (i: number, j: number, t: number) =>
    tb ? b[t * br * bc + j * bc + i]! : b[t * br * bc + i * bc + j]!;
  const out: number[] = [];
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += at(i, q, t) * bt(q, j, t);
        out.push(s);
      }
  return out;
}

const CASES: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { a: [3, 5], b: [5, 4], ta: false, tb: false },
  { a: [5, 3], b: [5, 4], ta: true, tb: false },
  { a: [3, 5], b: [4, 5], ta: false, tb: true },
  { a: [5, 3], b: [4, 5], ta: true, tb: true },
  { a: [2, 6, 3], b: [2, 6, 4], ta: true, tb: false },
  { a: [2, 3, 6], b: [2, 4, 6], ta: false, tb: true },
  { a: [64, 33], b: [64, 17], ta: true, tb: false },
];

describe('wasm matMuls without transposed operands (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('matMul with every transpose combination equals the definition, and leaves no buffer behind', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const { a: as, b: bs, ta, tb } of CASES) {
      const av = values(
        as.reduce((x, y) => x * y, 1),
        1,
      );
      const bv = values(
        bs.reduce((x, y) => x * y, 1),
        2,
      );
      const a = tf.tensor(av, as);
      const b = tf.tensor(bv, bs);
      const buffers = tf.engine().backend.numDataIds();
      const y = tf.matMul(a, b, ta, tb);
      expect(tf.engine().backend.numDataIds()).toBe(buffers + 1);
      const expected = matMulByDefinition(av, as, bv, bs, ta, tb);
      const got = Array.from(y.dataSync());
      expect(got.length).toBe(expected.length);
      got.forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThan(1e-5));
      tf.dispose([a, b, y]);
    }
  });

  it('empty operands give empty products of the right shape, with transposes too, and no buffer left behind', () => {
    for (const [as, bs, ta, tb, out] of [
      [[0, 3, 4], [0, 5, 4], false, true, [0, 3, 5]],
      [[2, 4, 3], [2, 4, 0], true, false, [2, 3, 0]],
      [[3, 0], [5, 0], false, true, [3, 5]],
    ] as [number[], number[], boolean, boolean, number[]][]) {
      const a = tf.zeros(as);
      const b = tf.zeros(bs);
      const buffers = tf.engine().backend.numDataIds();
      const y = tf.matMul(a, b, ta, tb);
      expect(y.shape).toEqual(out);
      expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
      y.dispose();
      expect(tf.engine().backend.numDataIds()).toBe(buffers);
      tf.dispose([a, b]);
    }
  });

  it('fused matMul (bias + relu) with transposes equals the definition', () => {
    const av = values(4 * 6, 3);
    const bv = values(5 * 4, 4);
    const bias = [0.5, -0.25, 0, 1, -1];
    const y = tf.tidy(() =>
      tf.fused.matMul({
        a: tf.tensor2d(av, [4, 6]),
        b: tf.tensor2d(bv, [5, 4]),
        transposeA: true,
        transposeB: true,
        bias: tf.tensor1d(bias),
        activation: 'relu',
      }),
    );
    const product = matMulByDefinition(av, [4, 6], bv, [5, 4], true, true);
    const expected = product.map((v, i) => Math.max(0, v + bias[i % 5]!));
    Array.from(y.dataSync()).forEach((g, i) => expect(Math.abs(g - expected[i]!)).toBeLessThan(1e-5));
    y.dispose();
  });

  it('gradients through matMul equal those on the cpu backend', async () => {
    const av = values(7 * 5, 5);
    const bv = values(5 * 3, 6);
    const grads = () =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))));
        return g([tf.tensor2d(av, [7, 5]), tf.tensor2d(bv, [5, 3])]).map((t) => Array.from(t.dataSync()));
      });
    const onWasm = grads();
    await tf.setBackend('cpu');
    const onCpu = grads();
    await tf.setBackend('wasm');
    onWasm.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - onCpu[i]![j]!)).toBeLessThan(1e-5)));
  });
});
