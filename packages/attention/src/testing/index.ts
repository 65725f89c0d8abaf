/**
 * Test helpers for attention variants. A separate entry point (`@tost/attention/testing`) so the runtime package
 * never imports vitest. The golden declarations and their runner alone are browser-safe: `@tost/attention/golden`.
 */
export { describeAttentionConformance, type ConformanceOptions } from './conformance.js';
export {
  describeGoldenCases,
  expectGoldenComparison,
  goldenCaseTests,
  loadVendoredGolden,
} from './golden-tests.js';
export { referenceTests, type ReferenceCheck, type ReferenceForward } from './reference-check.js';
export { describeOnBackends } from './on-backends.js';
export * from './golden.js';
export { setRandomWeights } from './random-weights.js';
export {
  describeRegisteredConformance,
  type RegisteredConformanceOptions,
} from './registered-conformance.js';
export { weightList, weightNames } from './weight-list.js';
