export { expectClose, maxRelativeError, type CloseOptions, type NestedNumbers } from './expect-close.js';
export { expectNoLeakedTensors } from './expect-no-leaked-tensors.js';
export { expectOneLineError } from './expect-one-line-error.js';
export {
  loadGoldenCases,
  loadGoldenFile,
  loadVariantGoldenCases,
  nestedShape,
  GOLDEN_DIR,
  GOLDEN_FILE,
  VARIANTS_GOLDEN_FILE,
  type GoldenCase,
  type VariantGoldenCase,
} from './golden.js';
export { testBackends } from './test-backends.js';
