import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type WasmViewBackend } from './kernel-override.js';
import { collapsePermutation } from './wasm-fast-transpose.js';

/** The wasm reduction kernels that move reduced axes innermost before reducing, with the attribute naming the axes. */
export const REDUCTION_AXIS_ATTRIBUTE = {
  Sum: 'axis',
  Mean: 'axis',
  Prod: 'axis',
  All: 'axis',
  Any: 'axis',
  Max: 'reductionIndices',
  Min: 'reductionIndices',
} as const;

type ReductionKernel = keyof typeof REDUCTION_AXIS_ATTRIBUTE;

/**
 * Replaces the wasm backend's reduction kernels (`REDUCTION_AXIS_ATTRIBUTE`) for reductions over axes that are not
 * the innermost ones — a sum over the tokens of [batch, heads, tokens, p], a bias gradient over [tokens, features] —
 * by the registered `Transpose` kernel (moving the reduced axes innermost, in the order the original kernel would)
 * followed by the original kernel on innermost axes: the same elements reduced in the same order, so the same
 * values bit for bit. Reductions over the innermost axes, and those whose permutation moves only axes of size 1,
 * go to the original kernel unchanged; so do empty inputs, except that a sum, product, mean, `all` or `any` of
 * nothing returns its identity (0, 1, NaN, true, false) where tfjs-backend-wasm 4.22 returns an uninitialised buffer.
 *
 * Why: tfjs-backend-wasm 4.22's reductions transpose through its own element-by-element Transpose function, not the
 * registered kernel, so `installWasmFastTranspose`'s tiled copy never reached them: `tf.sum` of [1, 4, 4096, 64] over
 * the tokens took 12.7 ms on one wasm thread against 0.4 ms over the last axis. Idempotent; called by `initBackend`
 * once the wasm backend is selected, after `installWasmFastTranspose`. Returns whether it is (now) installed.
 */
export const installWasmOuterAxisReduce = installOnce(() => {
  const kernels = (Object.keys(REDUCTION_AXIS_ATTRIBUTE) as ReductionKernel[]).filter((k) =>
    tf.getKernel(k, 'wasm'),
  );
  if (kernels.length === 0) return false;
  return overrideKernels('wasm', kernels, (original, kernelName) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const name = REDUCTION_AXIS_ATTRIBUTE[kernelName as ReductionKernel];
    const attrs = args.attrs as tf.NamedAttrMap & { keepDims?: boolean };
    const rank = x.shape.length;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original.kernelFunc(args);
    const axes = tf.util.parseAxisParam(attrs[name] as number | number[], x.shape);
    if (x.shape.includes(0))
      return (
        reduceEmpty(kernelName as ReductionKernel, x, axes, attrs.keepDims, args) ?? original.kernelFunc(args)
      );
    const perm = tf.backend_util.getAxesPermutation(axes, rank);
    if (perm == null || collapsePermutation(x.shape, perm).perm.length <= 1) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmViewBackend;
    const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
    const moved = transpose({ inputs: { x }, attrs: { perm }, backend: args.backend }) as tf.TensorInfo;
    try {
      const inner = tf.backend_util.getInnerMostAxes(axes.length, rank);
      const out = original.kernelFunc({
        ...args,
        inputs: { x: moved },
        attrs: { ...attrs, [name]: inner, keepDims: false },
      }) as tf.TensorInfo;
      if (attrs.keepDims) out.shape = tf.backend_util.expandShapeToKeepDim(out.shape, axes);
      return out;
    } finally {
      if (backend.dataIdMap.get(moved.dataId).id !== backend.dataIdMap.get(x.dataId).id) {
        backend.disposeData(moved.dataId, true);
      }
    }
  });
});

/**
 * What reducing nothing gives (TensorFlow's identities): a sum 0, a product 1, a mean NaN, `all` true, `any` false,
 * one per output element. tfjs-backend-wasm 4.22 returns an uninitialised buffer for an empty input with a non-empty
 * output (its loop never writes one). Undefined for the other kernels, and when the output is empty too.
 */
function reduceEmpty(
  kernel: ReductionKernel,
  x: tf.TensorInfo,
  axes: number[],
  keepDims: boolean | undefined,
  args: Parameters<tf.KernelFunc>[0],
): tf.TensorInfo | undefined {
  const identity = { Sum: 0, Prod: 1, Mean: NaN, All: 1, Any: 0 }[kernel as string];
  if (identity === undefined) return undefined;
  const [reduced] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(reduced, axes) : reduced;
  if (shape.includes(0)) return undefined;
  const dtype = kernel === 'Mean' ? 'float32' : x.dtype;
  const backend = args.backend as unknown as WasmViewBackend;
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).fill(identity);
  return out;
}
