import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type WasmHeapBackend } from './kernel-override.js';

/**
 * Replaces the wasm backend's `Unpack` kernel (`tf.unstack`; tfjs-backend-wasm 4.22 runs one `Slice` per piece, and
 * each of its slices walks the whole input: unstacking [64, 1025, 8] took 90 ms) by block copies on the wasm heap:
 * piece j along `axis` is, for every index of the axes before it, one contiguous run of the axes after it. Same values.
 * Strings and complex numbers keep the original kernel. Idempotent; called by `initBackend` once the wasm backend is
 * selected. Returns whether it is (now) installed.
 */
export const installWasmFastUnpack = installOnce(() =>
  overrideKernels('wasm', ['Unpack'], (original) => (args) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original.kernelFunc(args);
    const rank = x.shape.length;
    let axis = (args.attrs as { axis?: number }).axis ?? 0;
    if (axis < 0) axis += rank;
    const count = x.shape[axis]!;
    const outShape = x.shape.filter((_, d) => d !== axis);
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const backend = args.backend as unknown as WasmHeapBackend;
    // Allocate every output first: an allocation may grow the heap and detach earlier views.
    const outs = Array.from({ length: count }, () => backend.makeOutput(outShape, x.dtype));
    if (outer * inner === 0) return outs;
    const input = backend.typedArrayFromHeap(x);
    outs.forEach((out, j) => {
      const piece = backend.typedArrayFromHeap(out);
      if (outer === 1) {
        piece.set(input.subarray(j * inner, (j + 1) * inner));
        return;
      }
      for (let o = 0; o < outer; o++) {
        const from = (o * count + j) * inner;
        piece.set(input.subarray(from, from + inner), o * inner);
      }
    });
    return outs;
  }),
);
