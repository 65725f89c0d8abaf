import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';
import { tileInto } from './wasm-fast-tile.js';
import { TILE_CASES, tileSourceIndex } from './test-helpers.js';

/** tile by its definition: out[i_0, …] = x[i_0 mod s_0, …], computed index by index. */
function tileByDefinition(values: number[], shape: number[], reps: number[]): number[] {
  const total = shape.reduce((a, s, d) => a * s * reps[d]!, 1);
  return Array.from({ length: total }, (_, flat) => values[tileSourceIndex(flat, shape, reps)]!);
}

describe('wasm fast Tile (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('tileInto equals the definition on every case', () => {
    for (const [shape, reps] of TILE_CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => i + 1);
      const expected = tileByDefinition(values, shape, reps);
      const out = new Float32Array(expected.length);
      tileInto(values, shape, reps, out);
      expect(Array.from(out), `shape [${shape}] reps [${reps}]`).toEqual(expected);
    }
  });

  it('tf.tile on wasm equals the definition for float32, int32 and bool, and for the gradient', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, reps] of TILE_CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => (i * 7) % 5);
      const expected = tileByDefinition(values, shape, reps);
      for (const dtype of ['float32', 'int32'] as const) {
        const y = tf.tidy(() => tf.tile(tf.tensor(values, shape, dtype), reps));
        expect(y.shape).toEqual(shape.map((s, d) => s * reps[d]!));
        expect(y.dtype).toBe(dtype);
        expect(Array.from(y.dataSync()), `${dtype} [${shape}] × [${reps}]`).toEqual(expected);
        y.dispose();
      }
      const b = tf.tidy(() =>
        tf.tile(
          tf.tensor(
            values.map((v) => v > 2),
            shape,
            'bool',
          ),
          reps,
        ),
      );
      expect(Array.from(b.dataSync())).toEqual(expected.map((v) => (v > 2 ? 1 : 0)));
      b.dispose();
    }
    // d/dx Σ w ⊙ tile(x): the sum of w over the copies of each element.
    const dx = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.tile(x, [2, 3]), tf.reshape(tf.range(0, 24), [4, 6]))))(
        tf.tensor2d([1, 2, 3, 4], [2, 2]),
      ),
    );
    // w = 0..23 on a 4×6 grid; x[i,j] is copied to rows i, i+2 and columns j, j+2, j+4.
    const w = (r: number, c: number) => r * 6 + c;
    const sumFor = (i: number, j: number) =>
      [i, i + 2].reduce((acc, r) => acc + [j, j + 2, j + 4].reduce((a, c) => a + w(r, c), 0), 0);
    expect(Array.from(dx.dataSync())).toEqual([sumFor(0, 0), sumFor(0, 1), sumFor(1, 0), sumFor(1, 1)]);
    dx.dispose();
  });

  it('strings tile too (the original wasm kernel aborts on them)', () => {
    const x = tf.tensor2d(['a', 'b'], [1, 2], 'string');
    const before = tf.memory().numTensors;
    const s = tf.tile(x, [2, 2]);
    expect(s.dataSync()).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, s]);
  });
});
