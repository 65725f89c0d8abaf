/**
 * Test helpers for attention variants. A separate entry point (`@tost/attention/testing`) so the runtime package
 * never imports vitest. The golden declarations and their runner alone are browser-safe: `@tost/attention/golden`.
 */
export {
  describeAttentionConformance,
  type ConformanceOptions,
  type RegisteredExpectations,
} from './conformance.js';
export {
  describeGoldenCases,
  expectGoldenComparison,
  goldenCaseTests,
  loadVendoredGolden,
} from './golden-tests.js';
export { referenceTests, type ReferenceCheck, type ReferenceForward } from './reference-check.js';
export { projectedReference, type ReferenceCoreContext } from './reference-layer.js';
export { describeOnBackends } from './on-backends.js';
export * from './golden.js';
export { setRandomWeights } from './random-weights.js';
export {
  describeRegisteredConformance,
  type RegisteredConformanceOptions,
} from './registered-conformance.js';
export { weightList, weightNames, projectionWeights } from './weight-list.js';
export { countDataSyncReads } from './count-reads.js';
export { expectTensorsClose } from './expect-tensors-close.js';
export { reloadThroughMemory } from './reload-model.js';
export { expectPrefillMatchesSteps } from './prefill-check.js';
export { stepThrough, disposeStepped, positionOf, type SteppedTokens } from './step-through.js';
