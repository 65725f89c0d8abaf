import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';
import { SLOW_BROADCAST_KERNELS } from './wasm-broadcast-binary.js';

/** Each kernel's tfjs op and its definition on one pair of (float32) numbers; booleans as 0/1. */
const OPS: Record<
  (typeof SLOW_BROADCAST_KERNELS)[number],
  {
    op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    define: (a: number, b: number) => number;
    input: 'float' | 'bool';
  }
> = {
  Maximum: { op: tf.maximum, define: Math.max, input: 'float' },
  Minimum: { op: tf.minimum, define: Math.min, input: 'float' },
  Pow: { op: tf.pow, define: (a, b) => Math.fround(Math.abs(a) ** b), input: 'float' },
  FloorDiv: { op: tf.floorDiv, define: (a, b) => Math.floor(Math.fround(a / b)), input: 'float' },
  Mod: { op: tf.mod, define: (a, b) => Math.fround(((a % b) + b) % b), input: 'float' },
  Atan2: { op: tf.atan2, define: (a, b) => Math.fround(Math.atan2(a, b)), input: 'float' },
  Greater: { op: tf.greater, define: (a, b) => Number(a > b), input: 'float' },
  GreaterEqual: { op: tf.greaterEqual, define: (a, b) => Number(a >= b), input: 'float' },
  Less: { op: tf.less, define: (a, b) => Number(a < b), input: 'float' },
  LessEqual: { op: tf.lessEqual, define: (a, b) => Number(a <= b), input: 'float' },
  Equal: { op: tf.equal, define: (a, b) => Number(a === b), input: 'float' },
  NotEqual: { op: tf.notEqual, define: (a, b) => Number(a !== b), input: 'float' },
  LogicalAnd: { op: tf.logicalAnd, define: (a, b) => Number(a !== 0 && b !== 0), input: 'bool' },
  LogicalOr: { op: tf.logicalOr, define: (a, b) => Number(a !== 0 || b !== 0), input: 'bool' },
};

/** Pairs of shapes that broadcast: rank differences, size-1 axes on either side, a scalar. */
const SHAPES: [number[], number[]][] = [
  [
    [3, 1, 5],
    [4, 1],
  ],
  [
    [4, 1],
    [3, 1, 5],
  ],
  [[2, 3, 4], []],
  [[6], [2, 3, 6]],
  [
    [2, 1, 3, 1],
    [1, 4, 1, 5],
  ],
];

/** Element `flat` of the broadcast output, read from an input of `shape` (right-aligned, size-1 axes repeated). */
function broadcastIndex(flat: number, outShape: number[], shape: number[]): number {
  let index = 0;
  let stride = 1;
  for (let d = outShape.length - 1, s = shape.length - 1; d >= 0; d--, s--) {
    const position = flat % outShape[d]!;
    flat = Math.floor(flat / outShape[d]!);
    if (s >= 0) {
      if (shape[s] !== 1) index += position * stride;
      stride *= shape[s]!;
    }
  }
  return index;
}

const valuesFor = (n: number, seed: number, kind: 'float' | 'bool'): number[] =>
  Array.from({ length: n }, (_, i) => {
    const r = Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453;
    const u = r - Math.floor(r);
    // Some exact ties, so that Equal/GreaterEqual see equal pairs.
    return kind === 'bool' ? Number(u > 0.5) : Math.fround(i % 4 === 0 ? 1.5 : 0.25 + 3 * u);
  });

describe('wasm binary kernels broadcast by a block copy (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('every kernel, every broadcast, equals its definition element by element', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const name of SLOW_BROADCAST_KERNELS) {
      const { op, define, input } = OPS[name];
      for (const [aShape, bShape] of SHAPES) {
        const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
        const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const a = valuesFor(size(aShape), 1, input);
        const b = valuesFor(size(bShape), 2, input);
        const dtype = input === 'bool' ? 'bool' : 'float32';
        const out = tf.tidy(() => op(tf.tensor(a, aShape, dtype), tf.tensor(b, bShape, dtype)));
        expect(out.shape, `${name} [${aShape}] with [${bShape}]`).toEqual(outShape);
        const expected = Array.from({ length: size(outShape) }, (_, i) =>
          define(a[broadcastIndex(i, outShape, aShape)]!, b[broadcastIndex(i, outShape, bShape)]!),
        );
        const got = Array.from(out.dataSync());
        if (name === 'Pow' || name === 'Atan2' || name === 'Mod') {
          got.forEach((g, i) => expect(g, `${name} element ${i}`).toBeCloseTo(expected[i]!, 5));
        } else {
          expect(got, `${name} [${aShape}] with [${bShape}]`).toEqual(expected);
        }
        out.dispose();
      }
    }
  });

  it('NaN, ±∞ and int32 give what the same kernel gives on inputs already broadcast (the original path)', () => {
    const special = [NaN, Infinity, -Infinity, 0, -0, 2, -3];
    for (const name of SLOW_BROADCAST_KERNELS) {
      const { op, input } = OPS[name];
      const dtypes = input === 'bool' ? (['bool'] as const) : (['float32', 'int32'] as const);
      for (const dtype of dtypes) {
        const values =
          dtype === 'float32' ? special : dtype === 'int32' ? [7, -7, 3, -2, 0, 5, 1] : [1, 0, 1, 1, 0, 0, 1];
        const [broadcast, full] = tf.tidy(() => {
          const a = tf.tensor(values, [7, 1], dtype);
          const b = tf.tensor(
            values.map((v, i) => values[(i + 3) % 7]! || v),
            [1, 7],
            dtype,
          );
          return [op(a, b), op(tf.broadcastTo(a, [7, 7]), tf.broadcastTo(b, [7, 7]))];
        });
        expect(broadcast.dtype, `${name} ${dtype}`).toBe(full.dtype);
        expect(Array.from(broadcast.dataSync()), `${name} ${dtype}`).toEqual(Array.from(full.dataSync()));
        tf.dispose([broadcast, full]);
      }
    }
  });

  it('gradients through a broadcasting pow, empty outputs, no leaked tensors or heap buffers', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    // Σ_ij a_i ^ b_j: d/da_i = Σ_j b_j a_i^(b_j − 1) = 2a + 3a², d/db_j = Σ_i a_i^b_j ln a_i.
    const [da, db] = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.pow(a, b)))([
        tf.tensor2d([[1], [2], [3]]),
        tf.tensor2d([[2, 3]]),
      ]),
    );
    expect(Array.from(da!.dataSync())).toEqual([5, 16, 33]);
    const dbExpected = [4 * Math.log(2) + 9 * Math.log(3), 8 * Math.log(2) + 27 * Math.log(3)];
    Array.from(db!.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(dbExpected[j]!, 4));
    tf.dispose([da!, db!]);
    const empty = tf.tidy(() => tf.greater(tf.zeros([0, 3]), tf.zeros([1, 3])));
    expect(empty.shape).toEqual([0, 3]);
    empty.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });
});
