import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type WasmHeapBackend } from './kernel-override.js';
import { tileInto } from './wasm-fast-tile.js';

/**
 * The binary kernels of tfjs-backend-wasm 4.22 whose broadcasting path is slow: measured on one wasm thread, inputs
 * [64, 64] and [4, 64, 1, 64] → 1,048,576 elements, 100–140 ms for each of these against 4–19 ms for the same kernel
 * on two inputs of the output's shape (`add`, `sub`, `mul`, `div`, `squaredDifference` and `prelu` broadcast at
 * full speed and are left alone).
 */
export const SLOW_BROADCAST_KERNELS = [
  'Maximum',
  'Minimum',
  'Pow',
  'FloorDiv',
  'Mod',
  'Atan2',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
  'LogicalAnd',
  'LogicalOr',
] as const;

/**
 * Replaces those of `SLOW_BROADCAST_KERNELS` that the wasm backend registers: when the two inputs' shapes differ,
 * each input not already of the output's (broadcast) shape is first copied to it on the wasm heap (`tileInto`: a
 * block copy, no index arithmetic per element), then the original kernel runs on two inputs of one shape — the same
 * values, elementwise, as the broadcast (NaN and ±∞ included: every output element is the original kernel's, applied
 * to the same pair of inputs). Inputs of one shape, a single-element input (a scalar: the original kernel's scalar path is as fast),
 * strings, complex and empty outputs go to the original kernel.
 *
 * Why: tfjs-backend-wasm 4.22 broadcasts these kernels by a multi-index computed per output element, ~100 ns each:
 * `tf.logicalAnd` of a causal [64, 64] block mask with a [4, 64, 1, 64] padding mask took 87 ms in one training step
 * of Aaren at 4,096 tokens; a comparison or `tf.maximum` against a row or column takes 20–40× the time of the same
 * kernel on equal shapes. The copy costs one pass over the output (~1–2 ms per 1M elements). Idempotent; called by
 * `initBackend` once the wasm backend is selected. Returns whether it is (now) installed.
 */
export const installWasmBroadcastBinary = installOnce(() => {
  const registered = SLOW_BROADCAST_KERNELS.filter((name) => tf.getKernel(name, 'wasm'));
  if (registered.length === 0) return false;
  return overrideKernels('wasm', registered, (original) => (args) => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    // One element against many: the original kernel's scalar path is as fast as a copy plus the same-shape path.
    const single = (t: tf.TensorInfo) => tf.util.sizeFromShape(t.shape) === 1;
    if (tf.util.arraysEqual(a.shape, b.shape) || single(a) || single(b)) return original.kernelFunc(args);
    const unsupported = (t: tf.TensorInfo) => t.dtype === 'string' || t.dtype === 'complex64';
    if (unsupported(a) || unsupported(b)) return original.kernelFunc(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (outShape.includes(0)) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmHeapBackend;
    const made: tf.TensorInfo[] = [];
    const full = (t: tf.TensorInfo): tf.TensorInfo => {
      if (tf.util.arraysEqual(t.shape, outShape)) return t;
      const shape = [...new Array<number>(outShape.length - t.shape.length).fill(1), ...t.shape];
      const copy = backend.makeOutput(outShape, t.dtype);
      made.push(copy);
      // Read both views after allocating: a new output may grow (and so replace) the heap buffer.
      tileInto(
        backend.typedArrayFromHeap(t),
        shape,
        shape.map((s, d) => outShape[d]! / s),
        backend.typedArrayFromHeap(copy),
      );
      return copy;
    };
    try {
      return original.kernelFunc({ ...args, inputs: { a: full(a), b: full(b) } });
    } finally {
      for (const t of made) backend.disposeData(t.dataId, true);
    }
  });
});
