import * as tf from '@tensorflow/tfjs-core';
import { installOnce, overrideKernels } from './kernel-override.js';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Replaces the wasm backend's `Identity` kernel (tfjs-backend-wasm 4.22 copies the whole buffer) by one that shares
 * the input's buffer and bumps its reference count — what the cpu and webgl backends already do, and what the wasm
 * backend's own `Reshape` does. tfjs tensors are immutable, so sharing is invisible except in memory and time.
 *
 * Why it matters: the gradient tape keeps each op's inputs by cloning them (`tf.clone` runs `Identity`), so on wasm
 * every activation kept for a backward pass was a full copy. Idempotent; called by `initBackend` once the wasm
 * backend is selected. Returns whether it is (now) installed.
 */
export const installWasmZeroCopyIdentity = installOnce(() =>
  overrideKernels('wasm', ['Identity'], () => ({ inputs, backend }) => {
    const x = inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') {
      // The wasm backend keeps strings in JS, not in its heap: copy them as the original kernel does.
      const values = (backend as unknown as { readSync(id: object): unknown }).readSync(x.dataId);
      return tf.tensor(values as string[], x.shape, x.dtype) as unknown as tf.TensorInfo;
    }
    (backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }),
);
