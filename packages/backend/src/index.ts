// Browser (and default) entry of @tost/backend: WebGPU → WebGL → wasm → cpu. Every backend is imported with a literal
// specifier so bundlers (Vite, esbuild, webpack, Rollup) include it as a lazily loaded chunk; no Node globals are read.
import { BROWSER_AUTO_ORDER, type BackendCandidate } from './backend-candidates.js';
import { loadWasm } from './load-wasm.js';
import {
  selectBackend,
  type BackendEnvironmentSpec,
  type BackendSelection,
  type InitBackendOptions,
} from './select-backend.js';

const browser: BackendEnvironmentSpec = {
  label: 'a browser',
  autoOrder: BROWSER_AUTO_ORDER,
  loaders: {
    webgpu: async () => {
      await import('@tensorflow/tfjs-backend-webgpu');
    },
    webgl: async () => {
      await import('@tensorflow/tfjs-backend-webgl');
    },
    wasm: loadWasm,
    cpu: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
    },
  },
  unavailable: (c: BackendCandidate) =>
    `${c.packageName} is native TensorFlow for Node.js; it cannot run in a browser (use webgpu, webgl or wasm)`,
};

/**
 * Selects a TensorFlow.js backend and makes it current (`tf.setBackend` + `tf.ready`).
 *
 * `preference` is `auto` (default) or one of `webgpu`, `webgl`, `wasm`, `cpu` (and, in Node, `node-gpu`, `node`).
 * `auto` takes the fastest that initialises here: in a browser webgpu → webgl → wasm → cpu, in Node
 * node-gpu → node → wasm → cpu (Node also reads the `TOST_BACKEND` environment variable when no preference is given).
 * Returns the backend chosen and why each faster one was skipped.
 * @throws Error for an unknown preference (naming the accepted values), or when an explicit backend cannot be loaded
 *   here (saying why and how to get it), or when nothing loads.
 */
export function initBackend(
  preference: string = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendSelection> {
  return selectBackend(preference, browser, options);
}

export { describeBackendSelection } from './select-backend.js';
export type { BackendSelection, InitBackendOptions, SkippedBackend } from './select-backend.js';
export {
  BACKEND_CANDIDATES,
  BACKEND_NAMES,
  BROWSER_AUTO_ORDER,
  NODE_AUTO_ORDER,
  type BackendCandidate,
  type BackendEnvironment,
  type BackendName,
  type BackendPreference,
} from './backend-candidates.js';
export { installWasmZeroCopyIdentity } from './wasm-zero-copy-identity.js';
export {
  validateWeightsAgainstManifest,
  verifyWeightsChecksum,
  weightsChecksum,
  type WeightsCheckContext,
} from './weights-manifest.js';
