import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';
import { collapsePermutation, transposeInto } from './wasm-fast-transpose.js';

/** transpose by its definition: out[i_perm[0], i_perm[1], …] = x[i_0, i_1, …], index by index. */
function transposeByDefinition(values: number[], shape: number[], perm: number[]): number[] {
  const rank = shape.length;
  const outShape = perm.map((a) => shape[a]!);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const total = values.length;
  const out: number[] = [];
  for (let flat = 0; flat < total; flat++) {
    // Output multi-index of `flat`, then the input element it reads.
    let rest = flat;
    let source = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const index = rest % outShape[d]!;
      rest = Math.floor(rest / outShape[d]!);
      source += index * strides[perm[d]!]!;
    }
    out.push(values[source]!);
  }
  return out;
}

/** Shapes and permutations: matrices tall, wide, square and odd-sized (tile edges), batches, heads splits and merges,
 * size-1 axes, a rank-5 permutation the fast path does not take, a permutation that moves no element, and matrices
 * large enough for the tiled copy. */
const CASES: [number[], number[]][] = [
  [
    [37, 5],
    [1, 0],
  ],
  [
    [5, 37],
    [1, 0],
  ],
  [
    [64, 64],
    [1, 0],
  ],
  [
    [33, 70],
    [1, 0],
  ],
  [
    [3, 41, 17],
    [0, 2, 1],
  ],
  [
    [2, 9, 3, 8],
    [0, 2, 1, 3],
  ],
  [
    [2, 9, 3, 8],
    [0, 2, 3, 1],
  ],
  [
    [1, 40, 1, 6],
    [0, 3, 2, 1],
  ],
  [
    [2, 3, 4, 5, 6],
    [4, 2, 0, 3, 1],
  ],
  [
    [1, 7, 1],
    [2, 1, 0],
  ],
  [[6], [0]],
  // At least MIN_TILED_MATRIX (65,536) elements per matrix: the tiled copy (smaller ones keep the original kernel).
  [
    [300, 257],
    [1, 0],
  ],
  [
    [257, 300],
    [1, 0],
  ],
  [
    [2, 260, 300],
    [0, 2, 1],
  ],
  [
    [2, 9, 300, 30],
    [0, 2, 3, 1],
  ],
  [
    [1, 300, 1, 260],
    [0, 3, 2, 1],
  ],
];

describe('wasm fast Transpose (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('collapsePermutation merges axes that stay neighbours and drops size-1 axes', () => {
    expect(collapsePermutation([2, 3, 4, 5], [0, 2, 3, 1])).toEqual({ shape: [2, 3, 20], perm: [0, 2, 1] });
    expect(collapsePermutation([1, 4096, 4, 64], [0, 2, 1, 3])).toEqual({
      shape: [4096, 4, 64],
      perm: [1, 0, 2],
    });
    expect(collapsePermutation([4096, 256], [1, 0])).toEqual({ shape: [4096, 256], perm: [1, 0] });
    expect(collapsePermutation([1, 7, 1], [2, 1, 0])).toEqual({ shape: [7], perm: [0] });
  });

  it('transposeInto equals the definition for tall, wide and batched matrices with partial tiles', () => {
    for (const [batch, rows, cols] of [
      [1, 100, 7],
      [1, 7, 100],
      [2, 33, 65],
      [3, 65, 33],
    ] as const) {
      const n = batch * rows * cols;
      const input = Float32Array.from({ length: n }, (_, i) => i);
      const out = new Float32Array(n);
      transposeInto(input, batch, rows, cols, out);
      expect(Array.from(out), `[${batch}, ${rows}, ${cols}]`).toEqual(
        transposeByDefinition(Array.from(input), [batch, rows, cols], [0, 2, 1]),
      );
    }
  });

  it('tf.transpose on wasm equals the definition for float32, int32 and bool, and its gradient', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, perm] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => (i * 7919) % 1009);
      const expected = transposeByDefinition(values, shape, perm);
      for (const dtype of ['float32', 'int32'] as const) {
        const y = tf.tidy(() => tf.transpose(tf.tensor(values, shape, dtype), perm));
        expect(y.shape).toEqual(perm.map((a) => shape[a]!));
        expect(y.dtype).toBe(dtype);
        expect(Array.from(y.dataSync()), `${dtype} [${shape}] perm [${perm}]`).toEqual(expected);
        y.dispose();
      }
      const b = tf.tidy(() =>
        tf.transpose(
          tf.tensor(
            values.map((v) => v % 2 === 1),
            shape,
            'bool',
          ),
          perm,
        ),
      );
      expect(Array.from(b.dataSync())).toEqual(expected.map((v) => v % 2));
      b.dispose();
    }
    // d/dx Σ w ⊙ xᵀ = wᵀ.
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.transpose(x), w)))(tf.zeros([2, 3]));
    expect(Array.from(dx.dataSync())).toEqual([1, 3, 5, 2, 4, 6]);
    tf.dispose([w, dx]);
  });

  it('empty tensors, a matMul with transposed operands, no leaked tensors', () => {
    const before = tf.memory().numTensors;
    const e = tf.tidy(() => tf.transpose(tf.zeros([0, 3, 2]), [2, 0, 1]));
    expect(e.shape).toEqual([2, 0, 3]);
    e.dispose();
    // aᵀ·bᵀ through the untransposed matMul path (which transposes with this kernel), against float64 sums.
    const a = Array.from({ length: 40 * 3 }, (_, i) => ((i * 31) % 17) - 8);
    const b = Array.from({ length: 5 * 40 }, (_, i) => ((i * 13) % 11) - 5);
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [40, 3]), tf.tensor2d(b, [5, 40]), true, true));
    const expected: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let q = 0; q < 40; q++) s += a[q * 3 + i]! * b[j * 40 + q]!;
        expected.push(s);
      }
    expect(Array.from(product.dataSync())).toEqual(expected);
    product.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
