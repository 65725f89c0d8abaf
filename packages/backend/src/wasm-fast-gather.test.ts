import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';

/** gather(x, indices, axis) by its definition: out[a, i, b] = x[a, indices[i], b], element by element (row-major). */
function gatherByDefinition(values: number[], shape: number[], indices: number[], axis: number): number[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let a = 0; a < outer; a++)
    for (const index of indices)
      for (let b = 0; b < inner; b++) out.push(values[(a * shape[axis]! + index) * inner + b]!);
  return out;
}

/** [x shape, indices shape, axis]: rows of an embedding table (inner ≥ 16: block copies), short rows, every axis. */
const CASES: [number[], number[], number][] = [
  [[5], [3], 0],
  [[7, 20], [4, 3], 0],
  [[7, 3], [6], 0],
  [[2, 5, 3], [4], 1],
  [[2, 5, 3], [2, 2], -1],
  [[3, 4, 2, 17], [5], 2],
  [[4, 6], [0], 0],
  [[0, 6], [0], 0],
];

describe('wasm fast GatherV2 (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('tf.gather equals the definition on every axis, for float32, int32 and bool, repeated indices included', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, indexShape, axis] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const positive = axis < 0 ? axis + shape.length : axis;
      const count = indexShape.reduce((a, b) => a * b, 1);
      // Repeats and the last row: i·5 mod length.
      const indices = Array.from({ length: count }, (_, i) => (i * 5 + 2) % Math.max(1, shape[positive]!));
      const values = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * 1.7) * 100));
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const typed =
          dtype === 'bool'
            ? values.map((v) => v > 0)
            : dtype === 'int32'
              ? values.map((v) => Math.round(v) | 0)
              : values;
        const x = tf.tensor(typed, shape, dtype);
        const out = tf.gather(x, tf.tensor(indices, indexShape, 'int32'), axis);
        expect(out.shape).toEqual([...shape.slice(0, positive), ...indexShape, ...shape.slice(positive + 1)]);
        expect(out.dtype).toBe(dtype);
        const numbers = typed.map(Number);
        expect(Array.from(out.dataSync()), `${dtype} [${shape}] axis ${axis}`).toEqual(
          gatherByDefinition(numbers, shape, indices, positive),
        );
        tf.dispose([x, out]);
      }
    }
  });

  it('an index outside the axis throws, naming it, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    for (const bad of [3, -1]) {
      const indices = tf.tensor1d([0, bad], 'int32');
      expect(() => tf.gather(x, indices)).toThrow(
        new RangeError(`GatherV2: the index value ${bad} is not in [0, 2]`),
      );
      indices.dispose();
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
