import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type WasmHeapBackend } from './kernel-override.js';

type NumericArray = Float32Array | Int32Array;

/**
 * Cumulative sum along the middle axis of `input` viewed as [outer, length, inner] (row-major), into `out`: row i is
 * the sum of rows 0…i (`exclusive`: 0…i−1; `reverse`: from the end, i…length−1 or i+1…length−1). Rows are added one
 * after another in scan order, each addition rounded to the array's type — for float32 the values of a sequential
 * float32 loop (a sum of two float32 numbers computed in float64 and rounded is their float32 sum) — and the inner
 * axis is walked contiguously, so no transpose is needed whatever the axis.
 */
export function cumsumInto(
  input: NumericArray,
  outer: number,
  length: number,
  inner: number,
  exclusive: boolean,
  reverse: boolean,
  out: NumericArray,
): void {
  const stride = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    const first = o * length * inner + (reverse ? (length - 1) * inner : 0);
    for (let j = 0; j < inner; j++) out[first + j] = exclusive ? 0 : input[first + j]!;
    let previous = first;
    for (let step = 1; step < length; step++) {
      const row = previous + stride;
      // exclusive: out_i = out_{i−1} + x_{i−1}; inclusive: out_i = out_{i−1} + x_i.
      const source = exclusive ? previous : row;
      for (let j = 0; j < inner; j++) out[row + j] = out[previous + j]! + input[source + j]!;
      previous = row;
    }
  }
}

/**
 * Replaces the wasm backend's `Cumsum` kernel (float32 and int32, any axis) by `cumsumInto` on the wasm heap.
 *
 * Why: tfjs-backend-wasm 4.22 moves the summed axis innermost with its own Transpose (a cache miss per element, not the
 * one `installWasmFastTranspose` replaces), sums, and transposes back: a cumulative sum over the tokens of
 * [1, 4, 4,096, 64] took ~12 ms on one wasm thread and [1, 4, 16,384, 64] ~70 ms, a quarter of the train step of
 * the causal attentions built on prefix sums (causal TSSA, causal Flowformer). Summing rows in place needs no
 * transpose. Other dtypes, and sums along the last axis (no transpose there), go to the original kernel. Idempotent; called by `initBackend` once
 * the wasm backend is selected. Returns whether it is (now) installed.
 */
export const installWasmFastCumsum = installOnce(() =>
  overrideKernels('wasm', ['Cumsum'], (original) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return original.kernelFunc(args);
    const { axis, exclusive, reverse } = args.attrs as { axis: number; exclusive: boolean; reverse: boolean };
    const rank = x.shape.length;
    const a = axis < 0 ? axis + rank : axis;
    if (!(Number.isInteger(a) && a >= 0 && a < rank)) return original.kernelFunc(args);
    const inner = tf.util.sizeFromShape(x.shape.slice(a + 1));
    // Along the last axis the original needs no transpose.
    // (With the axis made non-negative: tfjs-core passes −1 through, which the original kernel cannot handle.)
    if (inner === 1 && a === rank - 1)
      return original.kernelFunc({ ...args, attrs: { ...args.attrs, axis: a } });
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput([...x.shape], x.dtype);
    if (x.shape.includes(0)) return out;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, a));
    const to = backend.typedArrayFromHeap(out) as NumericArray;
    const from = backend.typedArrayFromHeap(x) as NumericArray;
    cumsumInto(from, outer, x.shape[a]!, inner, Boolean(exclusive), Boolean(reverse), to);
    return out;
  }),
);
