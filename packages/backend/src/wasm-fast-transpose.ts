import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type HeapArray, type WasmHeapBackend } from './kernel-override.js';

/**
 * A permutation with its runs of axes that stay neighbours merged: `shape` [2, 3, 4, 5] with `perm` [0, 2, 3, 1]
 * becomes shape [2, 3, 20] with perm [0, 2, 1]. Axes of size 1 are dropped first (they move no element).
 * The transpose of the merged form moves the same elements to the same places.
 */
export function collapsePermutation(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Runs of consecutive input axes, in output order.
  const runs: number[][] = [];
  for (const axis of kept) {
    const last = runs.at(-1);
    if (last && last.at(-1)! + 1 === axis) last.push(axis);
    else runs.push([axis]);
  }
  const byInputOrder = [...runs].sort((a, b) => a[0]! - b[0]!);
  return {
    shape: byInputOrder.map((run) => run.reduce((size, axis) => size * shape[axis]!, 1)),
    perm: runs.map((run) => byInputOrder.indexOf(run)),
  };
}

/**
 * out = the transpose of each [rows, cols] matrix of a batch stored row-major in `input` ([batch, rows, cols] →
 * [batch, cols, rows]), in square tiles so that reads and writes both stay in cache: a tall matrix (rows ≥ cols)
 * is written one output row segment at a time (32 × 32 tiles), a wide one read one input row segment at a time
 * (16 × 16 tiles) — the faster order of each, measured on [4096, 256], [256, 4096], [16384, 256] and [1024, 1024].
 */
export function transposeInto(
  input: HeapArray,
  batch: number,
  rows: number,
  cols: number,
  out: HeapArray,
): void {
  const size = rows * cols;
  for (let b = 0; b < batch; b++) {
    const base = b * size;
    if (rows >= cols) {
      const tile = 32;
      for (let c0 = 0; c0 < cols; c0 += tile) {
        const c1 = Math.min(cols, c0 + tile);
        for (let r0 = 0; r0 < rows; r0 += tile) {
          const r1 = Math.min(rows, r0 + tile);
          for (let c = c0; c < c1; c++) {
            const to = base + c * rows;
            for (let r = r0; r < r1; r++) out[to + r] = input[base + r * cols + c]!;
          }
        }
      }
    } else {
      const tile = 16;
      for (let r0 = 0; r0 < rows; r0 += tile) {
        const r1 = Math.min(rows, r0 + tile);
        for (let c0 = 0; c0 < cols; c0 += tile) {
          const c1 = Math.min(cols, c0 + tile);
          for (let r = r0; r < r1; r++) {
            const from = base + r * cols;
            for (let c = c0; c < c1; c++) out[base + c * rows + r] = input[from + c]!;
          }
        }
      }
    }
  }
}

/** Elements of one matrix from which the tiled copy is used (256 × 256); smaller matrices keep the original kernel. */
export const MIN_TILED_MATRIX = 1 << 16;

/**
 * Replaces the wasm backend's `Transpose` kernel, for the permutations that are (once neighbouring axes are merged,
 * `collapsePermutation`) a transpose of the last two axes of a batch of matrices — every `matMul` gradient's and every
 * heads split's or merge's transpose of a [tokens, features] matrix — of at least `MIN_TILED_MATRIX` elements by
 * `transposeInto` on the wasm heap; same
 * values (a permutation copies elements exactly). Other permutations, complex and string tensors go to the original. Empty
 * tensors are made without calling it (the original divides by their zero size).
 *
 * Why: tfjs-backend-wasm 4.22 walks the output element by element through the input with the matrix's full row
 * stride, a cache miss per element: transposing [4096, 256] took ~10 ms and [16384, 256] ~73 ms on one wasm thread,
 * about 7–9× the tiled copy. The untransposed matMul path (`installWasmUntransposedMatMul`) and the lean dense layer's
 * dW = xᵀ·dy make two such transposes per dense layer per training step. Idempotent; called by `initBackend` once the
 * wasm backend is selected. Returns whether it is (now) installed.
 */
export const installWasmFastTranspose = installOnce(() =>
  overrideKernels('wasm', ['Transpose'], (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const perm = (args.attrs as { perm: number[] }).perm;
    if (x.dtype === 'complex64' || x.dtype === 'string' || perm.length !== x.shape.length) {
      return original.kernelFunc(args);
    }
    const outShape = perm.map((axis) => x.shape[axis]!);
    const backend = args.backend as unknown as WasmHeapBackend;
    if (outShape.includes(0)) return backend.makeOutput(outShape, x.dtype);
    const collapsed = collapsePermutation(x.shape, perm);
    let batch: number;
    let rows: number;
    let cols: number;
    if (collapsed.perm.length === 2 && collapsed.perm[0] === 1) {
      [batch, rows, cols] = [1, collapsed.shape[0]!, collapsed.shape[1]!];
    } else if (collapsed.perm.length === 3 && collapsed.perm.join() === '0,2,1') {
      [batch, rows, cols] = collapsed.shape as [number, number, number];
    } else if (collapsed.perm.length <= 1) {
      // Moves no element (only axes of size 1 move): a copy.
      batch = 1;
      rows = 1;
      cols = tf.util.sizeFromShape(outShape);
    } else {
      return original.kernelFunc(args);
    }
    // Small matrices fit in cache, where the original kernel is as fast (measured ±30 % on [256, 64, 64] and
    // [128, 128, 256] batches): only the ones whose strided walk misses the cache are tiled here.
    if (rows > 1 && cols > 1 && rows * cols < MIN_TILED_MATRIX) return original.kernelFunc(args);
    const out = backend.makeOutput(outShape, x.dtype);
    const to = backend.typedArrayFromHeap(out);
    const from = backend.typedArrayFromHeap(x);
    if (rows === 1 || cols === 1) to.set(from);
    else transposeInto(from, batch, rows, cols, to);
    return out;
  }),
);
