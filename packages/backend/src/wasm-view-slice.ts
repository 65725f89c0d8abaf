import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type HeapArray, type WasmHeapBackend } from './kernel-override.js';

/** Rows shorter than this are copied element by element: a `subarray` + `set` per row costs more for them. */
const SHORT_ROW = 64;

/**
 * out = x[begin : begin + size] of a row-major `input` of `shape`: the trailing axes the slice takes whole are merged
 * into one contiguous row per index of the axes before them, and each row is copied once. O(output) work: nothing is
 * read outside the slice.
 */
export function sliceInto(
  input: HeapArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: HeapArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = input[0]!;
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  // The first axis from which every later axis is taken whole: rows start there.
  let rowAxis = rank - 1;
  while (rowAxis > 0 && begin[rowAxis] === 0 && size[rowAxis] === shape[rowAxis]) rowAxis--;
  const row = size[rowAxis]! * strides[rowAxis]!;
  let written = 0;
  const copy = (d: number, offset: number): void => {
    if (d === rowAxis) {
      const start = offset + begin[d]! * strides[d]!;
      if (row < SHORT_ROW) for (let i = 0; i < row; i++) out[written + i] = input[start + i]!;
      else out.set(input.subarray(start, start + row), written);
      written += row;
      return;
    }
    for (let i = 0; i < size[d]!; i++) copy(d + 1, offset + (begin[d]! + i) * strides[d]!);
  };
  copy(0, 0);
}

/**
 * Replaces the wasm backend's `Slice` kernel by `sliceInto` from a view of the input on the wasm heap, same values.
 * Strings, complex and empty slices go to the original kernel.
 *
 * Why: tfjs-backend-wasm 4.22's Slice starts with `readSync` of the whole input, a copy of every element, however
 * small the slice: one chunk of 128 tokens out of [4, 32, 16640] took 3.6 ms on one wasm thread, the time of copying
 * all 2.1M elements. Chunked cores slice their chunks out of whole-sequence tensors (`performer-causal` 13 such
 * slices, 100 ms of a 4,096-token train step; `gla` 34, 108 ms). Idempotent; called by `initBackend` once the wasm
 * backend is selected. Returns whether it is (now) installed.
 */
export const installWasmViewSlice = installOnce(() =>
  overrideKernels('wasm', ['Slice'], (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original.kernelFunc(args);
    const { begin, size } = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    if (size_.includes(0)) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput(size_, x.dtype);
    // Views after allocating: a new output may grow (and so replace) the heap buffer.
    sliceInto(backend.typedArrayFromHeap(x), x.shape, begin_, size_, backend.typedArrayFromHeap(out));
    return out;
  }),
);
