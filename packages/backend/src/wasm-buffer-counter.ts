import * as tf from '@tensorflow/tfjs-core';

/** The wasm backend's allocator, as tfjs-backend-wasm calls it for every tensor buffer. */
export interface WasmAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** What `countWasmBuffers` reports: the most bytes alive at once so far; `stop()` restores the allocator. */
export interface WasmBufferCounter {
  peak(): number;
  stop(): void;
}

/**
 * Counts the buffers `allocator` (default: the active wasm backend's) allocates and frees from now on, until
 * `stop()`: `peak()` is the most bytes allocated and not yet freed at once — each buffer once, however many tensors
 * view it. Pointers are compared as unsigned 32-bit offsets: `_malloc` returns a signed int (negative above 2 GiB)
 * while tfjs-backend-wasm frees the unsigned offset it stored (`>>> 0`); compared as given, buffers above 2 GiB were
 * never seen freed and a long step's peak was overcounted (performer-causal at 65,536 tokens: 7.3 GiB on a 4 GiB heap).
 * @throws Error without an allocator when the active backend is not wasm.
 */
export function countWasmBuffers(allocator?: WasmAllocator): WasmBufferCounter {
  let wasm = allocator;
  if (!wasm) {
    wasm = (tf.backend() as unknown as { wasm?: WasmAllocator }).wasm;
    if (tf.getBackend() !== 'wasm' || !wasm || typeof wasm._malloc !== 'function') {
      throw new Error(`countWasmBuffers: the active backend must be wasm, got '${tf.getBackend()}'`);
    }
    // Emscripten binds _malloc/_free lazily on their first call, replacing whatever wraps them then.
    tf.tidy(() => {
      tf.add(tf.ones([2]), 1);
    });
  }
  const target = wasm;
  const { _malloc: malloc, _free: free } = target;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  target._malloc = (bytes: number) => {
    const pointer = malloc(bytes);
    sizes.set(pointer >>> 0, bytes);
    live += bytes;
    peak = Math.max(peak, live);
    return pointer;
  };
  target._free = (pointer: number) => {
    const bytes = sizes.get(pointer >>> 0);
    if (bytes !== undefined) {
      live -= bytes;
      sizes.delete(pointer >>> 0);
    }
    free(pointer);
  };
  return {
    peak: () => peak,
    stop: () => {
      target._malloc = malloc;
      target._free = free;
    },
  };
}
