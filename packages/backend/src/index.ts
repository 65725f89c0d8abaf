export {
  initBackend,
  describeBackendSelection,
  type BackendSelection,
  type SkippedBackend,
} from './init-backend.js';
export {
  BACKEND_CANDIDATES,
  BACKEND_NAMES,
  type BackendCandidate,
  type BackendName,
  type BackendPreference,
} from './backend-candidates.js';
export { installWasmZeroCopyIdentity } from './wasm-zero-copy-identity.js';
