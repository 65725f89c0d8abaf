/** The backends ToST.js knows how to load. */
export type BackendName = 'node-gpu' | 'node' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

/** Where a backend can run. */
export type BackendEnvironment = 'node' | 'browser' | 'any';

export interface BackendCandidate {
  name: BackendName;
  /** The npm package whose import registers the backend. */
  packageName: string;
  /** The name the backend registers under in tfjs-core's engine. */
  tfBackendName: string;
  /** Where it runs: native TensorFlow only in Node, WebGL/WebGPU only in a browser. */
  environment: BackendEnvironment;
  /** How a user gets this backend when it does not load. */
  installHint: string;
}

export const BACKEND_CANDIDATES: readonly BackendCandidate[] = [
  {
    name: 'node-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    tfBackendName: 'tensorflow',
    environment: 'node',
    installHint:
      'on a Linux machine with CUDA 11.2 + cuDNN 8: `pnpm add @tensorflow/tfjs-node-gpu@4.22.0` and allow its ' +
      'install script (`pnpm approve-builds`), which downloads libtensorflow with GPU support',
  },
  {
    name: 'node',
    packageName: '@tensorflow/tfjs-node',
    tfBackendName: 'tensorflow',
    environment: 'node',
    installHint:
      '`pnpm add @tensorflow/tfjs-node@4.22.0` and allow its install script (`pnpm approve-builds`), which ' +
      'downloads libtensorflow (needs network access to storage.googleapis.com)',
  },
  {
    name: 'webgpu',
    packageName: '@tensorflow/tfjs-backend-webgpu',
    tfBackendName: 'webgpu',
    environment: 'browser',
    installHint:
      'a browser with WebGPU enabled (navigator.gpu and a GPU adapter); the package is a dependency of ' +
      '@tost/backend',
  },
  {
    name: 'webgl',
    packageName: '@tensorflow/tfjs-backend-webgl',
    tfBackendName: 'webgl',
    environment: 'browser',
    installHint:
      'a browser with WebGL 2 or 1 (a GPU or a software rasteriser); the package is a dependency of @tost/backend',
  },
  {
    name: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfBackendName: 'wasm',
    environment: 'any',
    installHint:
      '`pnpm add @tensorflow/tfjs-backend-wasm@4.22.0` (a dependency of @tost/backend: reinstall); in a bundled ' +
      'page serve its .wasm files and pass their location as `wasmPaths` (see the README)',
  },
  {
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfBackendName: 'cpu',
    environment: 'any',
    installHint: '`pnpm add @tensorflow/tfjs-backend-cpu@4.22.0` (a dependency of @tost/backend: reinstall)',
  },
];

export const BACKEND_NAMES: readonly BackendName[] = BACKEND_CANDIDATES.map((c) => c.name);

/** What `auto` tries, fastest first, in Node (cpu only as a last resort). */
export const NODE_AUTO_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];
/** What `auto` tries, fastest first, in a browser. */
export const BROWSER_AUTO_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export function findCandidate(name: string): BackendCandidate | undefined {
  return BACKEND_CANDIDATES.find((c) => c.name === name);
}
