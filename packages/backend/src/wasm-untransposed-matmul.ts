import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type DisposingBackend, type KernelArgs } from './kernel-override.js';

/**
 * Replaces the wasm backend's `BatchMatMul` and `_FusedMatMul` kernels by ones that never multiply a transposed
 * operand: `transposeA` / `transposeB` become an explicit `Transpose` of the last two axes, then the original kernel
 * runs untransposed, with the original kernel's values and product order. Empty operands go to the original kernel.
 *
 * Why: tfjs-backend-wasm 4.22's XNNPACK path only packs untransposed operands; a transposed one takes a generic loop
 * 5–30× slower than the copy plus the fast product (measured: dW of a [16384, 64] × [64, 32] dense layer 28 ms →
 * a few ms). tfjs-core's gradients of matMul and of tfjs-layers' Dense use the transposed forms, so every backward pass
 * through a dense layer hit the slow path. Idempotent; called by `initBackend` once the wasm backend is selected.
 * Returns whether it is (now) installed.
 */
export const installWasmUntransposedMatMul = installOnce(() => {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) return false;
  return overrideKernels('wasm', ['BatchMatMul', '_FusedMatMul'], (original) => (args: KernelArgs) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    // Empty operands: nothing to multiply (and the wasm Transpose divides by a zero size).
    const operands = [args.inputs.a, args.inputs.b] as tf.TensorInfo[];
    if (operands.some((t) => t.shape.includes(0))) return original.kernelFunc(args);
    const temporaries: tf.TensorInfo[] = [];
    const untransposed = (x: tf.TensorInfo): tf.TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
      const t = transpose.kernelFunc({
        inputs: { x },
        attrs: { perm },
        backend: args.backend,
      }) as tf.TensorInfo;
      temporaries.push(t);
      return t;
    };
    try {
      const inputs = { ...args.inputs };
      if (attrs.transposeA) inputs.a = untransposed(inputs.a as tf.TensorInfo);
      if (attrs.transposeB) inputs.b = untransposed(inputs.b as tf.TensorInfo);
      return original.kernelFunc({
        ...args,
        inputs,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temporaries) (args.backend as unknown as DisposingBackend).disposeData(t.dataId, true);
    }
  });
});
