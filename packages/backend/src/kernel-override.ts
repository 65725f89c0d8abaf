import * as tf from '@tensorflow/tfjs-core';

/** The argument tfjs passes a kernel function (inputs, attrs, backend). */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** What an override needs of a backend to free the intermediate tensors it made. */
export interface DisposingBackend {
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A view of a tensor's buffer on the wasm heap: float32, int32, or bool (one byte each). */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** What an override needs of the wasm backend to read and write tensors on its heap. */
export interface WasmHeapBackend extends DisposingBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: unknown): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
}

/** The wasm backend's bookkeeping, to make and forget views of operands without copying them. */
export interface WasmViewBackend extends WasmHeapBackend {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number }; delete(dataId: object): boolean };
  wasm: { tfjs: { disposeData(id: number): void } };
}

/** Byte offset of `t`'s buffer on the wasm heap (to make views into it with `makeOutput(shape, dtype, offset)`). */
export function heapOffset(backend: WasmViewBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/** Unregisters a heap view without freeing the memory it points into (that belongs to the viewed tensor). */
export function forgetView(backend: WasmViewBackend, view: tf.TensorInfo): void {
  const { id } = backend.dataIdMap.get(view.dataId);
  backend.wasm.tfjs.disposeData(id);
  backend.dataIdMap.delete(view.dataId);
}

/**
 * Replaces the kernels `kernelNames` of `backendName` by `replacement(original, kernelName)`, keeping each original
 * kernel's setup and dispose functions (the replacement usually calls the original's `kernelFunc` for the cases it
 * does not handle). Changes nothing and returns false when one of `kernelNames` is not registered for that backend;
 * returns true once replaced. Not idempotent by itself: see `installOnce`.
 */
export function overrideKernels(
  backendName: string,
  kernelNames: readonly string[],
  replacement: (original: tf.KernelConfig, kernelName: string) => tf.KernelFunc,
): boolean {
  if (kernelNames.some((k) => !tf.getKernel(k, backendName))) return false;
  for (const kernelName of kernelNames) {
    const original = tf.getKernel(kernelName, backendName)!;
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName,
      backendName,
      setupFunc: original.setupFunc,
      disposeFunc: original.disposeFunc,
      kernelFunc: replacement(original, kernelName),
    });
  }
  return true;
}

/**
 * Makes an installer idempotent: `install` runs until it first returns true (the kernels were there and are now
 * replaced); later calls return true without running it again.
 */
export function installOnce(install: () => boolean): () => boolean {
  let installed = false;
  return () => {
    if (!installed) installed = install();
    return installed;
  };
}
