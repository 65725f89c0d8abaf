// Node entry of @tost/backend (the "node" export condition): node-gpu → node → wasm → cpu. The native packages are
// optional peers, imported through a variable specifier so that neither bundlers nor TypeScript require them.
import { NODE_AUTO_ORDER, type BackendCandidate } from './backend-candidates.js';
import { loadWasm } from './load-wasm.js';
import {
  selectBackend,
  type BackendEnvironmentSpec,
  type BackendSelection,
  type InitBackendOptions,
} from './select-backend.js';

/** A failed import (not installed, or installed without its libtensorflow binary) becomes a reason, never a crash. */
async function importOptional(packageName: string): Promise<void> {
  const specifier = packageName;
  await import(specifier);
}

const node: BackendEnvironmentSpec = {
  label: 'Node.js',
  autoOrder: NODE_AUTO_ORDER,
  loaders: {
    'node-gpu': () => importOptional('@tensorflow/tfjs-node-gpu'),
    node: () => importOptional('@tensorflow/tfjs-node'),
    wasm: loadWasm,
    cpu: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
    },
  },
  unavailable: (c: BackendCandidate) =>
    `${c.packageName} needs a browser (${c.name === 'webgpu' ? 'WebGPU' : 'WebGL'}); in Node.js use node, wasm or cpu`,
};

/**
 * Selects a TensorFlow.js backend and makes it current (`tf.setBackend` + `tf.ready`).
 *
 * `preference` is `auto` or one of `node-gpu`, `node`, `wasm`, `cpu` (`webgpu`/`webgl` exist only in a browser);
 * default: the `TOST_BACKEND` environment variable, else `auto`. `auto` takes the fastest that initialises:
 * node-gpu → node → wasm → cpu. Returns the backend chosen and why each faster one was skipped.
 * @throws Error for an unknown preference (naming the accepted values), or when an explicit backend cannot be loaded
 *   (saying why and how to install it), or when nothing loads.
 */
export function initBackend(
  preference: string = process.env.TOST_BACKEND ?? 'auto',
  options: InitBackendOptions = {},
): Promise<BackendSelection> {
  return selectBackend(preference, node, options);
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
