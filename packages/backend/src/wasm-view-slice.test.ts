import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';
import { sliceInto } from './wasm-view-slice.js';

/** x[begin : begin + size] by its definition: each output element from its own multi-index. */
function sliceByDefinition(values: number[], shape: number[], begin: number[], size: number[]): number[] {
  const n = size.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, flat) => {
    let source = 0;
    let stride = 1;
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      const i = rest % size[d]!;
      rest = Math.floor(rest / size[d]!);
      source += (begin[d]! + i) * stride;
      stride *= shape[d]!;
    }
    return values[source]!;
  });
}

/** [shape, begin, size]: every rank to 6, whole trailing axes, single rows, long rows, the whole tensor. */
// prettier-ignore
const CASES: [number[], number[], number[]][] = [
  [[10], [3], [5]],
  [[4, 7], [1, 2], [2, 4]],
  [[4, 7], [1, 0], [2, 7]],
  [[4, 7], [1, 0], [2, 3]],
  [[3, 4, 130], [1, 1, 0], [2, 2, 130]],
  [[3, 4, 130], [0, 0, 0], [3, 2, 130]],
  [[3, 4, 130], [0, 0, 5], [3, 4, 100]],
  [[2, 3, 4, 5], [1, 0, 1, 2], [1, 3, 2, 3]],
  [[2, 3, 4, 5], [0, 1, 0, 0], [2, 2, 4, 5]],
  [[2, 2, 3, 2, 4], [1, 0, 1, 1, 1], [1, 2, 2, 1, 3]],
  [[2, 2, 2, 3, 2, 5], [0, 1, 0, 1, 0, 2], [2, 1, 2, 2, 2, 3]],
  [[4, 32, 200], [0, 0, 64], [4, 32, 64]],
  [[5, 6], [0, 0], [5, 6]],
];

describe('wasm Slice from a view of the input (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('sliceInto equals the definition on plain arrays', () => {
    for (const [shape, begin, size] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
      const out = new Float32Array(size.reduce((a, b) => a * b, 1));
      sliceInto(values, shape, begin, size, out);
      expect(Array.from(out), `[${shape}] from [${begin}] size [${size}]`).toEqual(
        sliceByDefinition(Array.from(values), shape, begin, size),
      );
    }
  });

  it('tf.slice on wasm equals the definition: float32, int32, bool, size −1', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, begin, size] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const floats = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 1000));
      const ints = Array.from({ length: n }, (_, i) => (i * 7919) % 2003);
      const bools = Array.from({ length: n }, (_, i) => Number(i % 3 === 0));
      const label = `[${shape}] from [${begin}] size [${size}]`;
      const [f, i, b] = tf.tidy(() => [
        tf.slice(tf.tensor(floats, shape, 'float32'), begin, size),
        tf.slice(tf.tensor(ints, shape, 'int32'), begin, size),
        tf.slice(tf.tensor(bools, shape, 'bool'), begin, size),
      ]);
      expect(f.shape).toEqual(size);
      expect(Array.from(f.dataSync()), `float32 ${label}`).toEqual(
        sliceByDefinition(floats, shape, begin, size),
      );
      expect(i.dtype).toBe('int32');
      expect(Array.from(i.dataSync()), `int32 ${label}`).toEqual(sliceByDefinition(ints, shape, begin, size));
      expect(b.dtype).toBe('bool');
      expect(Array.from(b.dataSync()), `bool ${label}`).toEqual(sliceByDefinition(bools, shape, begin, size));
      tf.dispose([f, i, b]);
    }
    const rest = tf.tidy(() => tf.slice(tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]), [0, 1], [-1, -1]));
    expect(Array.from(rest.dataSync())).toEqual([2, 3, 5, 6]);
    rest.dispose();
  });

  it('its gradient, empty slices, strings, no leaked tensors or heap buffers', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    const dx = tf.tidy(() =>
      tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.slice(x, [0, 1], [2, 2]),
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
          ),
        ),
      )(tf.zeros([2, 3])),
    );
    expect(Array.from(dx.dataSync())).toEqual([0, 1, 2, 0, 3, 4]);
    dx.dispose();
    const empty = tf.tidy(() => tf.slice(tf.ones([2, 3]), [0, 1], [2, 0]));
    expect(empty.shape).toEqual([2, 0]);
    empty.dispose();
    const strings = tf.tidy(() => tf.slice(tf.tensor(['a', 'b', 'c', 'd']), [1], [2]));
    expect(strings.dataSync()).toEqual(['b', 'c']);
    strings.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
