import { it, expect } from 'vitest';
import { expectClose, loadGoldenFile, maxRelativeError } from '@tost/vitest-config';
import type { AttentionLayer } from '../attention-layer.js';
import type { AttentionOptions } from '../options.js';
import {
  describeGoldenCase,
  runGoldenCase,
  selectGoldenCases,
  type GoldenCase,
  type GoldenComparison,
  type GoldenLoader,
  type GoldenSpec,
} from './golden.js';
import { describeOnBackends } from './on-backends.js';

/** The default loader: the vendored copies of the golden files in `@tost/vitest-config/golden` (Node only). */
export const loadVendoredGolden: GoldenLoader = (file) => loadGoldenFile(file) as GoldenCase[];

/** Asserts one golden comparison: norm-wise relative error below its tolerance, and element-wise closeness. */
export function expectGoldenComparison(comparison: GoldenComparison): void {
  const { label, actual, expected, tolerance = 1e-4, rtol = 1e-4, atol = 1e-5 } = comparison;
  expect(maxRelativeError(actual, expected), `${label}: norm-wise relative error`).toBeLessThan(tolerance);
  expectClose(actual, expected, { rtol, atol, label });
}

/**
 * Declares one test per golden case of `spec` (in the current suite, whose backend is already set): the layer from
 * `factory` with the case's options and weights must match the float64 output at real tokens, and give finite
 * outputs at every token.
 */
export function goldenCaseTests(
  factory: (options: AttentionOptions) => AttentionLayer,
  spec: GoldenSpec,
  loader: GoldenLoader = loadVendoredGolden,
): void {
  selectGoldenCases(loader(spec.file), spec).forEach((c, index) => {
    it(`golden case ${index} (${describeGoldenCase(c)}) matches the float64 reference at real tokens`, () => {
      const { comparisons, finite } = runGoldenCase(factory, spec, c);
      expect(finite, 'every output (padded tokens too) is finite').toBe(true);
      comparisons.forEach(expectGoldenComparison);
    });
  });
}

/** `goldenCaseTests` on every test backend, for a configuration the conformance call does not cover. */
export function describeGoldenCases(
  name: string,
  factory: (options: AttentionOptions) => AttentionLayer,
  spec: GoldenSpec,
  options: { backends?: readonly string[]; loader?: GoldenLoader } = {},
): void {
  describeOnBackends(
    `${name} golden cases`,
    () => goldenCaseTests(factory, spec, options.loader),
    options.backends,
  );
}
