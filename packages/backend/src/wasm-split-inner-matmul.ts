import * as tf from '@tensorflow/tfjs-core';
import {
  forgetView,
  heapOffset,
  installOnce,
  overrideKernels,
  type KernelArgs,
  type WasmViewBackend,
} from './kernel-override.js';

/** Bytes of the right operand per partial product: XNNPACK streams it once per few rows of the left one. */
export const SPLIT_PIECE_BYTES = 1 << 20;

/**
 * Right operands up to this size are multiplied whole: measured on one wasm thread, dW of a [4096, 256] layer (4 MiB)
 * runs as fast as the layer's forward product and a split costs 10–20 % there; [16384, 256] (16 MiB) took 1.5× the
 * forward product, and 1.2× split.
 */
export const MIN_SPLIT_BYTES = 1 << 23;

/**
 * Rows of the shared (inner) axis per partial product of aᵀ·b, a [k, m], b [k, n]: enough to keep a piece of b within
 * `SPLIT_PIECE_BYTES` (at least 256 rows); undefined when b is within `MIN_SPLIT_BYTES` or would make one piece.
 */
export function splitRows(k: number, n: number): number | undefined {
  const rows = Math.max(256, Math.floor(SPLIT_PIECE_BYTES / (4 * n)));
  return 4 * k * n > MIN_SPLIT_BYTES && k >= 2 * rows ? rows : undefined;
}

/**
 * Replaces the wasm backend's `BatchMatMul` kernel, for products aᵀ·b of one matrix each (rank 2, or a batch of one)
 * with a long shared axis — a [k, m], b [k, n], `transposeA`, as in every dense layer's dW = xᵀ·dy with k the tokens —
 * by a sum of partial products over row ranges of both operands (views of their rows, no copy), each by the kernel
 * it replaces, summed in order on the heap. Other products go to that kernel unchanged.
 *
 * Why: XNNPACK packs the right operand and streams it once for every few rows of the left one; b of a dW is as long
 * as the sequence ([16384, 256]: 16 MiB), far beyond cache, so the product was memory-bound: at 16,384 tokens 1.5× the time
 * of the layer's forward product (90 against 61 ms, one thread), at 65,536 1.7× (460 against 270 ms); split, 73 and
 * 300 ms. Pieces of b within `SPLIT_PIECE_BYTES`
 * stay in cache. The sum of partial products rounds differently from one product (float32; the same values up to
 * rounding). Idempotent; called by `initBackend` once the wasm backend is selected, after the other matMul kernels
 * (this one runs first and calls them). Returns whether it is (now) installed.
 */
export const installWasmSplitInnerMatMul = installOnce(() =>
  overrideKernels('wasm', ['BatchMatMul'], (original) => (args: KernelArgs) => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const { transposeA = false, transposeB = false } = args.attrs as {
      transposeA?: boolean;
      transposeB?: boolean;
    };
    const single = (t: tf.TensorInfo) => t.shape.length === 2 || (t.shape.length === 3 && t.shape[0] === 1);
    if (!transposeA || transposeB || a.dtype !== 'float32' || b.dtype !== 'float32')
      return original.kernelFunc(args);
    if (!single(a) || !single(b) || a.shape.length !== b.shape.length) return original.kernelFunc(args);
    const [k, m] = a.shape.slice(-2) as [number, number];
    const [kb, n] = b.shape.slice(-2) as [number, number];
    const rows = kb === k && m > 0 && n > 0 ? splitRows(k, n) : undefined;
    if (!rows) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmViewBackend;
    const lead = a.shape.length === 3 ? [1] : [];
    const out = backend.makeOutput([...lead, m, n], 'float32');
    const aOffset = heapOffset(backend, a);
    const bOffset = heapOffset(backend, b);
    for (let start = 0; start < k; start += rows) {
      const size = Math.min(rows, k - start);
      const aView = backend.makeOutput([...lead, size, m], 'float32', aOffset + 4 * start * m);
      const bView = backend.makeOutput([...lead, size, n], 'float32', bOffset + 4 * start * n);
      let partial: tf.TensorInfo | undefined;
      try {
        partial = original.kernelFunc({ ...args, inputs: { a: aView, b: bView } }) as tf.TensorInfo;
        // Read the heap after the call: it may have grown (a new buffer) while the kernel ran.
        const sum = backend.typedArrayFromHeap(out) as Float32Array;
        const piece = backend.typedArrayFromHeap(partial) as Float32Array;
        if (start === 0) sum.set(piece);
        else for (let i = 0; i < piece.length; i++) sum[i] += piece[i]!;
      } finally {
        forgetView(backend, aView);
        forgetView(backend, bView);
        if (partial) backend.disposeData(partial.dataId, true);
      }
    }
    return out;
  }),
);
