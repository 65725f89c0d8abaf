import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';

/**
 * gather(x, indices, axis, batchDims) by its definition, element by element (row-major): with x [B…, O…, axis, I…]
 * and indices [B…, J…], out[b, o, j, i] = x[b, o, indices[b, j], i].
 */
function gatherByDefinition(
  values: number[],
  shape: number[],
  indices: number[],
  indexShape: number[],
  axis: number,
  batchDims: number,
): number[] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const batch = size(shape.slice(0, batchDims));
  const outer = size(shape.slice(batchDims, axis));
  const inner = size(shape.slice(axis + 1));
  const count = size(indexShape.slice(batchDims));
  const out: number[] = [];
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < count; j++)
        for (let i = 0; i < inner; i++)
          out.push(values[((b * outer + o) * shape[axis]! + indices[b * count + j]!) * inner + i]!);
  return out;
}

/**
 * [x shape, indices shape, axis, batchDims]: rows of an embedding table (inner ≥ 16: block copies), short rows, every
 * axis, batch dimensions, empty indices and an empty table.
 */
const CASES: [number[], number[], number, number][] = [
  [[5], [3], 0, 0],
  [[7, 20], [4, 3], 0, 0],
  [[7, 3], [6], 0, 0],
  [[2, 5, 3], [4], 1, 0],
  [[2, 5, 3], [2, 2], -1, 0],
  [[3, 4, 2, 17], [5], 2, 0],
  [[2, 2, 2], [2, 1], 1, 1],
  [[2, 3, 5, 4], [2, 3, 2], 2, 2],
  [[2, 3, 5, 20], [2, 6], 2, 1],
  [[4, 6], [0], 0, 0],
  [[0, 6], [0], 0, 0],
];

describe('wasm fast GatherV2 (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('tf.gather equals the definition on every axis, with batch dimensions, for float32, int32 and bool', () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const [shape, indexShape, axis, batchDims] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const positive = axis < 0 ? axis + shape.length : axis;
      const count = indexShape.reduce((a, b) => a * b, 1);
      // Repeats and the last row: (i·5 + 2) mod length.
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
        const index = tf.tensor(indices, indexShape, 'int32');
        const out = tf.gather(x, index, axis, batchDims);
        const label = `${dtype} [${shape}] indices [${indexShape}] axis ${axis} batchDims ${batchDims}`;
        expect(out.shape, label).toEqual([
          ...shape.slice(0, positive),
          ...indexShape.slice(batchDims),
          ...shape.slice(positive + 1),
        ]);
        expect(out.dtype).toBe(dtype);
        expect(Array.from(out.dataSync()), label).toEqual(
          gatherByDefinition(typed.map(Number), shape, indices, indexShape, positive, batchDims),
        );
        tf.dispose([x, index, out]);
      }
    }
  });

  it('an index outside the axis throws, naming it, and leaves no tensor or buffer behind', () => {
    const backend = tf.backend();
    const [tensors, buffers] = [tf.memory().numTensors, backend.numDataIds()];
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    for (const bad of [3, -1]) {
      const indices = tf.tensor1d([0, bad], 'int32');
      expect(() => tf.gather(x, indices)).toThrow(`GatherV2: the index value ${bad} is not in [0, 2]`);
      indices.dispose();
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  });

  it('an output larger than the whole wasm heap (the heap grows while the kernel allocates): still exact', () => {
    const heapBytes = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer
      .byteLength;
    // Rows of 4 (element loop) and of 64 (block copies) floats, the output 16 MiB more than the heap had.
    for (const inner of [4, 64]) {
      const rows = Math.ceil((heapBytes + (16 << 20)) / (4 * inner));
      const table = tf.tensor2d(
        Array.from({ length: 3 * inner }, (_, i) => i + 1),
        [3, inner],
      );
      const indices = tf.tensor1d(
        Array.from({ length: rows }, (_, i) => (i * 7) % 3),
        'int32',
      );
      const out = tf.gather(table, indices);
      const got = out.dataSync();
      for (const r of [0, 1, 2, rows - 1]) {
        const source = (r * 7) % 3;
        expect(Array.from(got.subarray(r * inner, (r + 1) * inner)), `inner ${inner} row ${r}`).toEqual(
          Array.from({ length: inner }, (_, i) => source * inner + i + 1),
        );
      }
      // Every row: its first element tells which table row it copied.
      let wrong = 0;
      for (let r = 0; r < rows; r++) if (got[r * inner] !== ((r * 7) % 3) * inner + 1) wrong++;
      expect(wrong, `inner ${inner}`).toBe(0);
      tf.dispose([table, indices, out]);
    }
  });
});
