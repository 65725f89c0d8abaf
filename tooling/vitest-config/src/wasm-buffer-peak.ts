import * as tf from '@tensorflow/tfjs-core';

/**
 * The most bytes of wasm heap buffers alive at once while `fn` runs (each buffer counted once, however many tensors
 * view it), from the backend's own allocator calls. The wasm backend must be active. `fn` runs synchronously; its
 * result is returned with the peak.
 */
export function wasmBufferPeak(fn: () => tf.Tensor[]): { peak: number; result: tf.Tensor[] } {
  tf.dispose(tf.add(tf.ones([2]), 1)); // Emscripten binds _malloc/_free lazily on their first call.
  const wasm = (tf.backend() as unknown as { wasm: { _malloc(b: number): number; _free(p: number): void } })
    .wasm;
  const { _malloc: malloc, _free: free } = wasm;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (bytes) => {
    const pointer = malloc(bytes);
    sizes.set(pointer >>> 0, bytes); // _malloc returns a signed offset, _free gets it unsigned (>>> 0)
    live += bytes;
    peak = Math.max(peak, live);
    return pointer;
  };
  wasm._free = (pointer) => {
    live -= sizes.get(pointer >>> 0) ?? 0;
    sizes.delete(pointer >>> 0);
    free(pointer);
  };
  try {
    return { result: fn(), peak };
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
}
