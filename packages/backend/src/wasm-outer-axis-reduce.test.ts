import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';

/**
 * A reduction by its definition: each output element folds the input elements that share its kept indices, in
 * row-major order of the reduced indices, with `combine` (float32 rounding after each step for float32 kernels).
 */
function reduceByDefinition(
  values: number[],
  shape: number[],
  axes: number[],
  initial: number,
  combine: (acc: number, x: number) => number,
): number[] {
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outSize = kept.reduce((n, d) => n * shape[d]!, 1);
  const out = new Array<number>(outSize).fill(initial);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  // Visit inputs in row-major order of (kept, reduced) indices: the reduced ones vary fastest.
  const order = [...kept, ...axes];
  const visit = (level: number, flat: number, outIndex: number): void => {
    if (level === order.length) {
      out[outIndex] = combine(out[outIndex]!, values[flat]!);
      return;
    }
    const d = order[level]!;
    const isKept = level < kept.length;
    for (let i = 0; i < shape[d]!; i++)
      visit(level + 1, flat + i * strides[d]!, isKept ? outIndex * shape[d]! + i : outIndex);
  };
  visit(0, 0, 0);
  return out;
}

const CASES: [number[], number[]][] = [
  [[2, 3, 9, 4], [2]],
  [
    [2, 3, 9, 4],
    [1, 2],
  ],
  [
    [2, 3, 9, 4],
    [0, 3],
  ],
  [[5, 7], [0]],
  // Large enough for the tiled Transpose (≥ 256 × 256 elements once axes merge).
  [[300, 260], [0]],
  [[2, 130, 260], [1]],
];

const floats = (n: number) =>
  Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 12.9898) * 43758.5453 - 1e4 * (i % 3)));

describe('wasm reductions over outer axes through the registered Transpose (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('sum, prod, max, min, mean over outer axes equal the definition in the original kernel’s order, keepDims too', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, axes] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = floats(n);
      const small = x.map((v, i) => Math.fround(1 + ((v / 1e5) % 0.01) + (i % 7) * 1e-3)); // products stay finite
      const label = `[${shape}] axes [${axes}]`;
      const count = axes.reduce((c, d) => c * shape[d]!, 1);
      const sum = reduceByDefinition(x, shape, axes, 0, (a, b) => Math.fround(a + b));
      const checks: [string, tf.Tensor, number[]][] = tf.tidy(() => {
        const t = tf.tensor(x, shape);
        return [
          ['sum', tf.sum(t, axes), sum],
          ['max', tf.max(t, axes), reduceByDefinition(x, shape, axes, -Infinity, Math.max)],
          ['min', tf.min(t, axes), reduceByDefinition(x, shape, axes, Infinity, Math.min)],
          [
            'prod',
            tf.prod(tf.tensor(small, shape), axes),
            reduceByDefinition(small, shape, axes, 1, (a, b) => Math.fround(a * b)),
          ],
          ['mean', tf.mean(t, axes), sum.map((s) => Math.fround(s / count))],
        ];
      });
      for (const [name, got, expected] of checks) {
        const values = Array.from(got.dataSync());
        if (name === 'mean' || name === 'prod') {
          values.forEach((v, i) =>
            expect(Math.abs(v - expected[i]!), `${name} ${label} ${i}`).toBeLessThanOrEqual(
              Math.abs(expected[i]!) * 1e-6,
            ),
          );
        } else {
          expect(values, `${name} ${label}`).toEqual(expected);
        }
      }
      tf.dispose(checks.map((c) => c[1]));
      const kept = tf.tidy(() => tf.sum(tf.tensor(x, shape), axes, true));
      expect(kept.shape).toEqual(shape.map((s, d) => (axes.includes(d) ? 1 : s)));
      expect(Array.from(kept.dataSync()), `sum keepDims ${label}`).toEqual(sum);
      kept.dispose();
    }
  });

  it('int32 sums and bool all/any over an outer axis', () => {
    const ints = [5, -3, 2 ** 30, 7, 2 ** 30, -1, 4, 2, 9, -8, 0, 1];
    const s = tf.tidy(() => tf.sum(tf.tensor(ints, [3, 4], 'int32'), 0));
    expect(s.dtype).toBe('int32');
    expect(Array.from(s.dataSync())).toEqual(reduceByDefinition(ints, [3, 4], [0], 0, (a, b) => (a + b) | 0));
    const bools = [1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0];
    const [all, any] = tf.tidy(() => {
      const b = tf.tensor(bools, [3, 4], 'bool');
      return [tf.all(b, 0), tf.any(b, 0)];
    });
    expect(Array.from(all.dataSync())).toEqual(reduceByDefinition(bools, [3, 4], [0], 1, (a, b) => a & b));
    expect(Array.from(any.dataSync())).toEqual(reduceByDefinition(bools, [3, 4], [0], 0, (a, b) => a | b));
    tf.dispose([s, all, any]);
  });

  it('gradients through an outer-axis mean, empty tensors, no leaked tensors or heap buffers', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    const dx = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.mean(x, 0), tf.tensor1d([1, 2, 3]))))(tf.zeros([2, 3])),
    );
    expect(Array.from(dx.dataSync())).toEqual([0.5, 1, 1.5, 0.5, 1, 1.5]);
    dx.dispose();
    const big = tf.tidy(() => tf.sum(tf.ones([300, 260]), 0));
    expect(Array.from(big.dataSync()).every((v) => v === 300)).toBe(true);
    big.dispose();
    // tfjs-backend-wasm 4.22 returns an uninitialised buffer here (the reduction loop never writes it).
    const empty = tf.tidy(() => [
      tf.sum(tf.zeros([0, 3]), 0),
      tf.prod(tf.zeros([2, 0, 3]), 1),
      tf.mean(tf.zeros([0, 3]), 0),
      tf.all(tf.zeros([0, 2], 'bool'), 0),
      tf.any(tf.ones([0, 2], 'bool'), 0),
    ]);
    expect(empty.map((t) => Array.from(t.dataSync()))).toEqual([
      [0, 0, 0],
      [1, 1, 1, 1, 1, 1],
      [NaN, NaN, NaN],
      [1, 1],
      [0, 0],
    ]);
    tf.dispose(empty);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
