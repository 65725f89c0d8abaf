import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type HeapArray, type WasmHeapBackend } from './kernel-override.js';

/**
 * `tile(x, reps)` into a preallocated row-major output: out[i] = x[i mod shape] along every axis. Writes the first
 * repetition of each block, then copies that block (`copyWithin`, `fill` for one-element rows) — O(output) work,
 * with no index arithmetic per element.
 */
export function tileInto(
  input: ArrayLike<number>,
  shape: readonly number[],
  reps: readonly number[],
  out: HeapArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = input[0]!;
    return;
  }
  const outShape = shape.map((s, d) => s * reps[d]!);
  // innerIn[d] / innerOut[d]: elements of one index along axis d in the input / output.
  const innerIn = new Array<number>(rank).fill(1);
  const innerOut = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    innerIn[d] = innerIn[d + 1]! * shape[d + 1]!;
    innerOut[d] = innerOut[d + 1]! * outShape[d + 1]!;
  }
  const write = (d: number, inBase: number, outBase: number): void => {
    const size = shape[d]!;
    const r = reps[d]!;
    if (d === rank - 1) {
      if (size === 1) {
        out.fill(input[inBase]!, outBase, outBase + r);
        return;
      }
      for (let p = 0; p < size; p++) out[outBase + p] = input[inBase + p]!;
    } else {
      for (let p = 0; p < size; p++) write(d + 1, inBase + p * innerIn[d]!, outBase + p * innerOut[d]!);
    }
    const block = size * innerOut[d]!;
    for (let q = 1; q < r; q++) out.copyWithin(outBase + q * block, outBase, outBase + block);
  };
  write(0, 0, 0);
}

/**
 * Replaces the wasm backend's `Tile` kernel (tfjs-backend-wasm 4.22 computes a multi-index per output element: ~70 ns
 * per element, 37 ms to tile [16, 1024, 1] to [16, 1024, 32]) by `tileInto` on the wasm heap, same values.
 * Strings (which the original kernel aborts on) are tiled in JS.
 * tfjs-layers' LayerNormalization tiles its mean, variance, γ and β to the input's shape on every call, so this was
 * a third of a small model's training step. Idempotent; called by `initBackend`
 * once the wasm backend is selected. Returns whether it is (now) installed.
 */
export const installWasmFastTile = installOnce(() =>
  overrideKernels('wasm', ['Tile'], (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const reps = (args.attrs as { reps: number[] }).reps;
    if (x.dtype === 'complex64' || reps.length !== x.shape.length) return original.kernelFunc(args);
    const outShape = x.shape.map((s, d) => s * reps[d]!);
    if (x.dtype === 'string') {
      // The wasm backend keeps strings in JS (its own Tile aborts on them): tile the indices, then look them up.
      const values = (args.backend as unknown as { readSync(id: object): string[] }).readSync(x.dataId);
      const index = new Int32Array(outShape.reduce((a, b) => a * b, 1));
      if (index.length > 0) tileInto(Int32Array.from(values.keys()), x.shape, reps, index);
      const tiled = Array.from(index, (i) => values[i]!);
      return (args.backend as unknown as WasmHeapBackend).makeOutput(outShape, 'string', undefined, tiled);
    }
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.every((s) => s > 0)) {
      tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
    }
    return out;
  }),
);
