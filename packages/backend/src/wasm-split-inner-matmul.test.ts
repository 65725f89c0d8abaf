import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';
import { MIN_SPLIT_BYTES, splitRows, SPLIT_PIECE_BYTES } from './wasm-split-inner-matmul.js';

/** aᵀ·b by its definition in float64, a [k, m], b [k, n]. */
function productByDefinition(
  a: Float32Array,
  b: Float32Array,
  k: number,
  m: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let r = 0; r < k; r++)
    for (let i = 0; i < m; i++) {
      const x = a[r * m + i]!;
      for (let j = 0; j < n; j++) out[i * n + j] += x * b[r * n + j]!;
    }
  return out;
}

describe('wasm matMul aᵀ·b split along a long shared axis (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('splitRows: pieces of b within SPLIT_PIECE_BYTES (at least 256 rows), only for a b over MIN_SPLIT_BYTES', () => {
    expect(MIN_SPLIT_BYTES).toBe(8 * 2 ** 20);
    expect(splitRows(16384, 256)).toBe(SPLIT_PIECE_BYTES / (4 * 256));
    expect(splitRows(4096, 4096)).toBe(256);
    expect(splitRows(4096, 256)).toBeUndefined(); // 4 MiB: whole
    expect(splitRows(8300, 256)).toBe(1024);
    expect(splitRows(4200, 600)).toBe(436);
  });

  it('equals the float64 product (rank 2 and a batch of one, last piece partial), leaks nothing', () => {
    for (const [k, m, n, rank] of [
      [8300, 3, 256, 2],
      [4200, 2, 600, 3],
    ] as const) {
      const a = tf.randomNormal([k, m], 0, 1, 'float32', 1);
      const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
      const expected = productByDefinition(
        a.dataSync() as Float32Array,
        b.dataSync() as Float32Array,
        k,
        m,
        n,
      );
      const before = tf.memory().numTensors;
      const product = tf.tidy(() =>
        rank === 2
          ? tf.matMul(a, b, true, false)
          : tf.matMul(tf.expandDims(a, 0), tf.expandDims(b, 0), true, false),
      );
      expect(product.shape).toEqual(rank === 2 ? [m, n] : [1, m, n]);
      const got = product.dataSync();
      const scale = Math.max(...expected.map(Math.abs));
      const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i]!)));
      expect(worst / scale, `k ${k}, m ${m}, n ${n}`).toBeLessThan(1e-5);
      product.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a, b]);
    }
  });

  it('its gradient (a product inside tf.grad) equals the float64 one', () => {
    const [k, m, n] = [8400, 2, 256];
    const a = tf.randomNormal([k, m], 0, 1, 'float32', 3);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 4);
    // d/db Σ (aᵀ·b)·w = a·w (w [m, n] of ones): every row r of the gradient is Σ_i a[r, i].
    const db = tf.tidy(() => tf.grad((y: tf.Tensor) => tf.sum(tf.matMul(a, y, true, false)))(b));
    const av = a.dataSync();
    const expected = Array.from({ length: k }, (_, r) => av[r * m]! + av[r * m + 1]!);
    const got = db.dataSync();
    for (let r = 0; r < k; r += 397) expect(got[r * n + 5]).toBeCloseTo(expected[r]!, 5);
    tf.dispose([a, b, db]);
  });
});
