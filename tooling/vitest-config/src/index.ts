export { expectClose, maxRelativeError, type CloseOptions, type NestedNumbers } from './expect-close.js';
export { expectNoLeakedTensors } from './expect-no-leaked-tensors.js';
export { loadGoldenCases, nestedShape, GOLDEN_FILE, type GoldenCase } from './golden.js';
export { testBackends } from './test-backends.js';
