import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type HeapArray, type WasmHeapBackend } from './kernel-override.js';

/**
 * `tf.gather(x, indices, axis)` with x viewed as [outer, axisLength, inner] (row-major): output row (o, i) is the run
 * x[o, indices[i], :] of `inner` elements, copied into `out` ([outer, indices.length, inner]).
 * @throws RangeError naming the first index outside [0, axisLength − 1] (tfjs's CPU backend checks the same).
 */
export function gatherInto(
  x: HeapArray,
  indices: Int32Array,
  outer: number,
  axisLength: number,
  inner: number,
  out: HeapArray,
): void {
  for (const index of indices) {
    if (!(index >= 0 && index < axisLength)) {
      throw new RangeError(`GatherV2: the index value ${index} is not in [0, ${axisLength - 1}]`);
    }
  }
  const count = indices.length;
  for (let o = 0; o < outer; o++) {
    const source = o * axisLength * inner;
    const target = o * count * inner;
    for (let i = 0; i < count; i++) {
      const from = source + indices[i]! * inner;
      const to = target + i * inner;
      if (inner >= 16) out.set(x.subarray(from, from + inner), to);
      else for (let j = 0; j < inner; j++) out[to + j] = x[from + j]!;
    }
  }
}

/**
 * Replaces the wasm backend's `GatherV2` kernel (`tf.gather` without batch dimensions; float32, int32 and bool) by
 * `gatherInto` on the wasm heap: one block copy per gathered row.
 *
 * Why: tfjs-backend-wasm 4.22 computes every output element's source index by strides (about 50 ns an element on one
 * thread): an embedding lookup of 64 × 192 tokens of dim 64 (786k floats) took 37 ms, as long as a batched matMul
 * over the same tokens. Same values; an out-of-range index throws (the original read outside the tensor). Batch
 * dimensions, strings and complex numbers keep the original kernel. Idempotent; called by `initBackend` once the wasm
 * backend is selected. Returns whether it is (now) installed.
 */
export const installWasmFastGather = installOnce(() =>
  overrideKernels('wasm', ['GatherV2'], (original) => (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis = 0, batchDims = 0 } = args.attrs as { axis?: number; batchDims?: number };
    const supported = x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
    if (!supported || indices.dtype !== 'int32' || batchDims !== 0) return original.kernelFunc(args);
    const a = axis < 0 ? axis + x.shape.length : axis;
    if (!(Number.isInteger(a) && a >= 0 && a < x.shape.length)) return original.kernelFunc(args);
    const outShape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput(outShape, x.dtype);
    if (tf.util.sizeFromShape(indices.shape) === 0) return out;
    // Views after the allocation: an allocation may grow the heap and detach earlier ones.
    const to = backend.typedArrayFromHeap(out);
    const from = backend.typedArrayFromHeap(x);
    const index = backend.typedArrayFromHeap(indices) as Int32Array;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, a));
    const inner = tf.util.sizeFromShape(x.shape.slice(a + 1));
    try {
      gatherInto(from, index, outer, x.shape[a]!, inner, to);
    } catch (error) {
      backend.disposeData(out.dataId);
      throw error;
    }
    return out;
  }),
);
