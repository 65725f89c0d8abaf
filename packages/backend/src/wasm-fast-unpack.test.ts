import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';

/** Piece j of unstack(x, axis) by its definition: the entries whose index along `axis` is j, in row-major order. */
function pieceByDefinition(values: number[], shape: number[], axis: number, j: number): number[] {
  const out: number[] = [];
  const total = values.length;
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let indexOnAxis = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (d === axis) indexOnAxis = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    if (indexOnAxis === j) out.push(values[flat]!);
  }
  return out;
}

const CASES: [number[], number][] = [
  [[4], 0],
  [[3, 5], 0],
  [[3, 5], 1],
  [[2, 3, 4], 0],
  [[2, 3, 4], 1],
  [[2, 3, 4], 2],
  [[2, 3, 4], -1],
  [[3, 1, 2, 2], 2],
  [[3, 0, 2], 0],
];

describe('wasm fast Unpack (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('tf.unstack equals the definition on every axis, for float32, int32 and bool', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, axis] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => (i * 7) % 11);
      const positive = axis < 0 ? axis + shape.length : axis;
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const x = tf.tensor(dtype === 'bool' ? values.map((v) => v > 5) : values, shape, dtype);
        const pieces = tf.unstack(x, axis);
        expect(pieces.length).toBe(shape[positive]);
        pieces.forEach((p, j) => {
          expect(p.shape).toEqual(shape.filter((_, d) => d !== positive));
          const expected = pieceByDefinition(values, shape, positive, j);
          expect(Array.from(p.dataSync()), `${dtype} [${shape}] axis ${axis} piece ${j}`).toEqual(
            dtype === 'bool' ? expected.map((v) => (v > 5 ? 1 : 0)) : expected,
          );
        });
        tf.dispose([x, ...pieces]);
      }
    }
  });

  it('the gradient of unstack is unchanged (weights per piece land in their rows)', () => {
    const dx = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => {
        const [p0, p1] = tf.unstack(x, 1);
        return tf.add(tf.sum(tf.mul(p0!, 2)), tf.sum(tf.mul(p1!, 3)));
      })(tf.ones([3, 2])),
    );
    expect(Array.from(dx.dataSync())).toEqual([2, 3, 2, 3, 2, 3]);
    dx.dispose();
  });
});
