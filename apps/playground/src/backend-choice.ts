import { initBackend, describeBackendSelection, type BackendSelection } from '@tost/backend';
// Vite copies the wasm binaries into the build and gives their URLs: the bundle does not sit next to them.
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Where the wasm backend finds its binaries in this bundle (see @tost/backend's README, "In a bundled page"). */
export const WASM_PATHS = {
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
};

/**
 * Switches tfjs to `preference` ('auto', 'webgpu', 'webgl', 'wasm', 'cpu') and returns the selection with a one-line
 * description for the page, e.g. "wasm (SIMD, 2 threads)". Throws initBackend's error when the backend cannot load.
 */
export async function chooseBackend(
  preference: string,
): Promise<{ selection: BackendSelection; text: string }> {
  const selection = await initBackend(preference, { wasmPaths: WASM_PATHS });
  return { selection, text: describeBackendSelection(selection) };
}

/**
 * Whether this browser offers the GPU backends: WebGPU needs `navigator.gpu` and an adapter (Chrome/Edge 113+, or a
 * flag), WebGL a WebGL 2 (or 1) context. Returns undefined when available, else why not — without loading tfjs.
 */
export async function gpuAvailability(): Promise<{ webgpu?: string; webgl?: string }> {
  const out: { webgpu?: string; webgl?: string } = {};
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) out.webgpu = 'this browser has no WebGPU (navigator.gpu)';
  else if (!(await gpu.requestAdapter().catch(() => null))) out.webgpu = 'WebGPU offers no adapter here';
  const canvas = document.createElement('canvas');
  if (!canvas.getContext('webgl2') && !canvas.getContext('webgl')) out.webgl = 'this browser has no WebGL';
  return out;
}
