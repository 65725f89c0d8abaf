import type { InitBackendOptions } from './select-backend.js';

/**
 * Imports @tensorflow/tfjs-backend-wasm (a literal specifier, so bundlers include it) and applies `wasmPaths` /
 * `wasmThreads` before the backend initialises. tfjs picks the binary itself: threaded SIMD when the page is
 * cross-origin isolated (SharedArrayBuffer available), plain SIMD otherwise, and the non-SIMD build as a fallback.
 */
export async function loadWasm(options: InitBackendOptions): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (options.wasmPaths !== undefined) {
    const paths = options.wasmPaths;
    if (typeof paths !== 'string' && (paths === null || typeof paths !== 'object')) {
      throw new TypeError(
        `option 'wasmPaths' must be a URL prefix or a map of .wasm file names to URLs, got ${String(paths)}`,
      );
    }
    wasm.setWasmPaths(paths as Parameters<typeof wasm.setWasmPaths>[0]);
  }
  if (options.wasmThreads !== undefined) {
    if (!Number.isInteger(options.wasmThreads) || options.wasmThreads < 1) {
      throw new RangeError(`option 'wasmThreads' must be an integer ≥ 1, got ${String(options.wasmThreads)}`);
    }
    wasm.setThreadsCount(options.wasmThreads);
  }
}
