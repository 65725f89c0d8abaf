import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels, type DisposingBackend, type KernelArgs } from './kernel-override.js';

/**
 * Replaces the webgpu backend's `Cumsum` and `Cumprod` kernels so that `reverse: true` is computed as
 * flip → forward scan → flip (the backend's own `Reverse` kernel and its forward scan), same values.
 *
 * Why: tfjs-backend-webgpu 4.22's scan shader (`CumProgram`) writes the scanned axis' length into its reverse-direction
 * code (`end + pow2 < length`, `end != length - 1`), but its shader cache key holds only the op, `exclusive`,
 * `reverse` and the ranks — so the first reverse scan compiled for one length is reused for every other length, and
 * returns wrong sums (e.g. `cumsum([1,1,1,1,1], 0, false, true)` = [2, 1, 1, 1, 1] after a reverse scan of length 2).
 * tfjs-core's gradient of `cumsum` is a reverse cumsum, so every causal prefix-sum attention (causal TSSA,
 * causal Flowformer) got wrong input gradients on WebGPU for all but one sequence length. Forward scans carry no length
 * in their code and are used as they are. Reduced reproduction: docs/upstream/webgpu-reverse-cumsum.md.
 * Idempotent; called by `initBackend` once the webgpu backend is selected. Returns whether it is (now) installed.
 */
export const installWebGpuReverseCumulative = installOnce(() => {
  const reverse = tf.getKernel('Reverse', 'webgpu');
  if (!reverse) return false;
  return overrideKernels('webgpu', ['Cumsum', 'Cumprod'], (original) => (args: KernelArgs) => {
    const attrs = args.attrs as { axis: number; exclusive: boolean; reverse: boolean };
    const x = args.inputs.x as tf.TensorInfo;
    if (!attrs.reverse || x.shape.length === 0) return original.kernelFunc(args);
    const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
    const flip = (t: tf.TensorInfo) =>
      reverse.kernelFunc({
        inputs: { x: t },
        attrs: { dims: [axis] },
        backend: args.backend,
      }) as tf.TensorInfo;
    const flipped = flip(x);
    const scanned = original.kernelFunc({
      inputs: { x: flipped },
      attrs: { axis, exclusive: attrs.exclusive, reverse: false },
      backend: args.backend,
    }) as tf.TensorInfo;
    const out = flip(scanned);
    const backend = args.backend as unknown as DisposingBackend;
    backend.disposeData(flipped.dataId);
    backend.disposeData(scanned.dataId);
    return out;
  });
});
