import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type HeapArray, type WasmHeapBackend } from './kernel-override.js';

/**
 * `tf.gather(x, indices, axis, batchDims)` on flat buffers, with x viewed as [batch, outer, axisLength, inner] and
 * indices as [batch, count] (row-major; batch = the product of the first `batchDims` axes, 1 without them): output
 * row (b, o, i) is the run x[b, o, indices[b, i], :] of `inner` elements, copied into `out` ([batch, outer, count,
 * inner]).
 * @throws Error naming the first index outside [0, axisLength − 1], with tfjs's message for it.
 */
export function gatherInto(
  x: HeapArray,
  indices: Int32Array,
  batch: number,
  outer: number,
  axisLength: number,
  inner: number,
  out: HeapArray,
): void {
  for (const index of indices) {
    if (!(index >= 0 && index < axisLength)) {
      throw new Error(`GatherV2: the index value ${index} is not in [0, ${axisLength - 1}]`);
    }
  }
  const count = indices.length / batch;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      const source = (b * outer + o) * axisLength * inner;
      const target = (b * outer + o) * count * inner;
      for (let i = 0; i < count; i++) {
        const from = source + indices[b * count + i]! * inner;
        const to = target + i * inner;
        if (inner >= 16) out.set(x.subarray(from, from + inner), to);
        else for (let j = 0; j < inner; j++) out[to + j] = x[from + j]!;
      }
    }
  }
}

/**
 * Replaces the wasm backend's `GatherV2` kernel (`tf.gather`; float32, int32 and bool) by `gatherInto` on the wasm
 * heap: one block copy per gathered row.
 *
 * Why: tfjs-backend-wasm 4.22 computes every output element's source index by strides (about 50 ns an element on one
 * thread): an embedding lookup of 64 × 192 tokens of dim 64 (786k floats) took 37–50 ms, as long as a batched matMul
 * over the same tokens; here ~1 ms. Same values, and the same error for an index outside the axis. Two of the
 * original's faults are gone: with `batchDims` > 0 it read the wrong rows (and past the tensor), and empty indices
 * gave an output of the wrong rank. Strings and complex numbers keep the original kernel. Idempotent; called by
 * `initBackend` once the wasm backend is selected. Returns whether it is (now) installed.
 */
export const installWasmFastGather = installOnce(() =>
  overrideKernels('wasm', ['GatherV2'], (original) => (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis = 0, batchDims = 0 } = args.attrs as { axis?: number; batchDims?: number };
    const supported = x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
    if (!supported || indices.dtype !== 'int32') return original.kernelFunc(args);
    const a = tf.util.parseAxisParam(axis, x.shape)[0]!;
    // Validates batchDims and the batch axes (tfjs's messages); the output shape and the sizes of the views.
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x as tf.Tensor,
      indices as tf.Tensor,
      a,
      batchDims,
    );
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput(info.outputShape, x.dtype);
    if (tf.util.sizeFromShape(indices.shape) === 0) return out;
    try {
      // Views after the allocation: an allocation may grow the heap and detach earlier ones.
      gatherInto(
        backend.typedArrayFromHeap(x),
        backend.typedArrayFromHeap(indices) as Int32Array,
        info.batchSize,
        info.outerSize,
        info.dimSize,
        info.sliceSize,
        backend.typedArrayFromHeap(out),
      );
    } catch (error) {
      backend.disposeData(out.dataId);
      throw error;
    }
    return out;
  }),
);
