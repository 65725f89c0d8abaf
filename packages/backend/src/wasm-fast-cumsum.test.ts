import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';

/**
 * cumsum by its definition, one output element at a time: the sum over the axis of the elements before it (and itself
 * unless `exclusive`; after it with `reverse`), added in scan order with float32 rounding after each addition
 * (`round`: Math.fround for float32, wrap to int32 for int32).
 */
function cumsumByDefinition(
  values: number[],
  shape: number[],
  axis: number,
  exclusive: boolean,
  reverse: boolean,
  round: (x: number) => number,
): number[] {
  const length = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return values.map((_, flat) => {
    const position = Math.floor(flat / inner) % length;
    const start = flat - position * inner;
    const order = Array.from({ length }, (_, s) => (reverse ? length - 1 - s : s));
    let sum = 0;
    for (const i of order) {
      if (i === position && exclusive) break;
      sum = round(sum + values[start + i * inner]!);
      if (i === position) break;
    }
    return sum;
  });
}

const CASES: [number[], number][] = [
  [[7], 0],
  [[3, 5], 0],
  [[3, 5], 1],
  [[2, 3, 9, 4], 2],
  [[2, 3, 9, 4], -1],
  [[4, 1, 6], 1],
];

describe('wasm fast Cumsum (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('tf.cumsum on wasm equals the definition bit for bit, float32 and int32, every axis and direction', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, axis] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const positive = axis < 0 ? axis + shape.length : axis;
      // Values with many significant bits, so a different order or a float64 accumulator would change the result.
      const floats = Array.from({ length: n }, (_, i) =>
        Math.fround(Math.sin(i * 12.9898) * 43758.5453 - 1e4 * (i % 3)),
      );
      const ints = Array.from(
        { length: n },
        (_, i) => ((i * 7919) % 2003) - 1000 + (i % 5 === 0 ? 2 ** 30 : 0),
      );
      for (const exclusive of [false, true]) {
        for (const reverse of [false, true]) {
          const label = `[${shape}] axis ${axis} exclusive ${exclusive} reverse ${reverse}`;
          const f = tf.tidy(() => tf.cumsum(tf.tensor(floats, shape, 'float32'), axis, exclusive, reverse));
          expect(Array.from(f.dataSync()), `float32 ${label}`).toEqual(
            cumsumByDefinition(floats, shape, positive, exclusive, reverse, Math.fround),
          );
          const i = tf.tidy(() => tf.cumsum(tf.tensor(ints, shape, 'int32'), axis, exclusive, reverse));
          expect(i.dtype).toBe('int32');
          expect(Array.from(i.dataSync()), `int32 ${label}`).toEqual(
            cumsumByDefinition(ints, shape, positive, exclusive, reverse, (x) => x | 0),
          );
          tf.dispose([f, i]);
        }
      }
    }
  });

  it('its gradient, an empty tensor, no leaked tensors', () => {
    const before = tf.memory().numTensors;
    // d/dx Σ w ⊙ cumsum(x) = reverse cumsum of w.
    const dx = tf.tidy(() =>
      tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.cumsum(x, 1), tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]))))(
        tf.zeros([2, 3]),
      ),
    );
    expect(Array.from(dx.dataSync())).toEqual([6, 5, 3, 15, 11, 6]);
    dx.dispose();
    const empty = tf.tidy(() => tf.cumsum(tf.zeros([2, 0, 3]), 1));
    expect(empty.shape).toEqual([2, 0, 3]);
    empty.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
