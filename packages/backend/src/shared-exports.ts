// What both entries of @tost/backend export besides their own `initBackend` (index.ts for browsers and bundlers,
// index.node.ts for Node): one list, so the two entries cannot drift apart.
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
export { installWasmFastTile, tileInto } from './wasm-fast-tile.js';
export { installWasmFastCumsum, cumsumInto } from './wasm-fast-cumsum.js';
export { installWasmFastTranspose, transposeInto, collapsePermutation } from './wasm-fast-transpose.js';
export { installWasmOuterAxisReduce, REDUCTION_AXIS_ATTRIBUTE } from './wasm-outer-axis-reduce.js';
export { installWasmBroadcastBinary, SLOW_BROADCAST_KERNELS } from './wasm-broadcast-binary.js';
export { installWasmViewSlice, sliceInto } from './wasm-view-slice.js';
export { installWasmFastUnpack } from './wasm-fast-unpack.js';
export { installWasmFastGather, gatherInto } from './wasm-fast-gather.js';
export { installWasmUntransposedMatMul } from './wasm-untransposed-matmul.js';
export { installWasmBatchMatMulLoop, MIN_LOOP_PIECE } from './wasm-batch-matmul-loop.js';
export { installWasmSplitInnerMatMul, splitRows, SPLIT_PIECE_BYTES } from './wasm-split-inner-matmul.js';
export { installFastTileGradient, tileGradient } from './tile-gradient.js';
export { installLeanBackprop } from './lean-backprop.js';
export { countWasmBuffers, type WasmAllocator, type WasmBufferCounter } from './wasm-buffer-counter.js';
export { installWebGpuReverseCumulative } from './webgpu-reverse-cumulative.js';
export {
  checkBackend,
  type BackendCheckReport,
  type BackendProbeResult,
  type CheckBackendOptions,
} from './check-backend.js';
export {
  validateWeightsAgainstManifest,
  verifyWeightsChecksum,
  weightsChecksum,
  type WeightsCheckContext,
} from './weights-manifest.js';
