/** The backends ToST.js knows how to load, fastest first. */
export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

export interface BackendCandidate {
  name: BackendName;
  /** The npm package whose import registers the backend. */
  packageName: string;
  /** The name the backend registers under in tfjs-core's engine. */
  tfBackendName: string;
  /** How a user gets this backend when it does not load. */
  installHint: string;
}

export const BACKEND_CANDIDATES: readonly BackendCandidate[] = [
  {
    name: 'node-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    tfBackendName: 'tensorflow',
    installHint:
      'on a Linux machine with CUDA 11.2 + cuDNN 8: `pnpm add @tensorflow/tfjs-node-gpu@4.22.0` and allow its ' +
      'install script (`pnpm approve-builds`), which downloads libtensorflow with GPU support',
  },
  {
    name: 'node',
    packageName: '@tensorflow/tfjs-node',
    tfBackendName: 'tensorflow',
    installHint:
      '`pnpm add @tensorflow/tfjs-node@4.22.0` and allow its install script (`pnpm approve-builds`), which ' +
      'downloads libtensorflow (needs network access to storage.googleapis.com)',
  },
  {
    name: 'wasm',
    packageName: '@tensorflow/tfjs-backend-wasm',
    tfBackendName: 'wasm',
    installHint: '`pnpm add @tensorflow/tfjs-backend-wasm@4.22.0` (a dependency of @tost/backend: reinstall)',
  },
  {
    name: 'cpu',
    packageName: '@tensorflow/tfjs-backend-cpu',
    tfBackendName: 'cpu',
    installHint: '`pnpm add @tensorflow/tfjs-backend-cpu@4.22.0` (a dependency of @tost/backend: reinstall)',
  },
];

export const BACKEND_NAMES: readonly BackendName[] = BACKEND_CANDIDATES.map((c) => c.name);

export function findCandidate(name: string): BackendCandidate | undefined {
  return BACKEND_CANDIDATES.find((c) => c.name === name);
}
