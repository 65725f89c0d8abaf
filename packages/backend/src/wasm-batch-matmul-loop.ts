import * as tf from '@tensorflow/tfjs-core';
import {
  forgetView,
  heapOffset,
  installOnce,
  overrideKernels,
  type KernelArgs,
  type WasmViewBackend,
} from './kernel-override.js';

/**
 * Below this many multiply-adds per product (m·k·n; 32³) the batched kernel is kept: for small pieces one batched
 * call beats a loop of calls (measured by `scripts/bench-batch-matmul.mjs`, see the README).
 */
export const MIN_LOOP_PIECE = 32 * 32 * 32;

/**
 * Replaces the wasm backend's `BatchMatMul` kernel by a loop over the batch that runs the original kernel on one
 * [1, m, k] × [1, k, n] piece at a time, each piece a view of its operand on the wasm heap (no copy in), the product
 * copied into the batched output. Same values as a loop of 2-D `tf.matMul`s (each piece takes the path a 2-D matMul
 * takes). Used when there is more than one product, each of at least `MIN_LOOP_PIECE` (32³) multiply-adds, and
 * the batch axes are equal or one side has a single batch; otherwise (and for empty operands) the original kernel runs.
 *
 * Why: tfjs-backend-wasm 4.22 multiplies a batch of more than one matrix in a generic loop, ~4–15× slower than the
 * XNNPACK path a single product takes (numbers in the README). Variants and tfjs' own matMul gradients then call plain
 * `tf.matMul` on [batch, heads, …] tensors. Idempotent; called by `initBackend` once the wasm backend is selected,
 * before `installWasmUntransposedMatMul` (which then transposes whole operands once and calls this kernel).
 * Returns whether it is (now) installed.
 */
export const installWasmBatchMatMulLoop = installOnce(() =>
  overrideKernels('wasm', ['BatchMatMul'], (original) => (args: KernelArgs) => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const { transposeA = false, transposeB = false } = args.attrs as {
      transposeA?: boolean;
      transposeB?: boolean;
    };
    const plan = loopPlan(a, b, transposeA, transposeB);
    if (!plan) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmViewBackend;
    const { batch, aPiece, bPiece, m, n } = plan;
    const out = backend.makeOutput([...plan.outer, m, n], 'float32');
    const aOffset = heapOffset(backend, a);
    const bOffset = heapOffset(backend, b);
    const aSize = aPiece[1] * aPiece[2];
    const bSize = bPiece[1] * bPiece[2];
    const aBatch = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const bBatch = tf.util.sizeFromShape(b.shape.slice(0, -2));
    for (let i = 0; i < batch; i++) {
      const aView = backend.makeOutput(aPiece, 'float32', aOffset + 4 * aSize * (aBatch === 1 ? 0 : i));
      const bView = backend.makeOutput(bPiece, 'float32', bOffset + 4 * bSize * (bBatch === 1 ? 0 : i));
      let product: tf.TensorInfo | undefined;
      try {
        product = original.kernelFunc({ ...args, inputs: { a: aView, b: bView } }) as tf.TensorInfo;
        // Read the heap after the call: it may have grown (a new buffer) while the kernel ran.
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(product), i * m * n);
      } finally {
        forgetView(backend, aView);
        forgetView(backend, bView);
        if (product) backend.disposeData(product.dataId, true);
      }
    }
    return out;
  }),
);

interface LoopPlan {
  batch: number;
  outer: number[];
  aPiece: [number, number, number];
  bPiece: [number, number, number];
  m: number;
  n: number;
}

/** How to loop, or undefined when the original kernel should run. */
function loopPlan(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): LoopPlan | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (a.shape.length < 3 && b.shape.length < 3) return undefined;
  if (a.shape.includes(0) || b.shape.includes(0)) return undefined;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? ac : ar;
  const n = transposeB ? br : bc;
  if (m * n * (transposeA ? ar : ac) < MIN_LOOP_PIECE) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const aBatch = tf.util.sizeFromShape(outerA);
  const bBatch = tf.util.sizeFromShape(outerB);
  const batch = Math.max(aBatch, bBatch);
  if (batch <= 1) return undefined;
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!sameOuter && aBatch !== 1 && bBatch !== 1) return undefined;
  const outer = sameOuter ? outerA : aBatch === 1 ? outerB : outerA;
  if (outerA.length > outer.length || outerB.length > outer.length) return undefined;
  return { batch, outer, aPiece: [1, ar, ac], bPiece: [1, br, bc], m, n };
}
