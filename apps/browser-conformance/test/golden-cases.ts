// The golden cases of a registered variant, read from the variant package's own golden declarations
// (`@tost/variants/golden`: the `GoldenSpec`s of every variant package, keyed by registered name) — which file, which
// cases, the layer options and the weight order all come from the spec, none from the variant's name. A variant
// without golden declarations gets [] and is still checked on random inputs (gradients vs cpu, masks, leaks,
// save/load).
import {
  describeGoldenCase,
  selectGoldenCases,
  type GoldenCase,
  type GoldenSpec,
} from '@tost/attention/golden';
import { loadGoldenFile } from '@tost/vitest-config';
import { golden } from '@tost/variants/golden';
import type { RegisteredAttention } from '@tost/variants';
import type { GoldenInput, Nested } from '../src/cases.js';

/**
 * One case of `spec` as the page takes it: options `{heads, ...spec.options(case)}` (dim is x's last axis), the
 * weights in the layer's `getWeights()` order (`spec.weights(case)`, default `case.weights`), x, mask and the float64 y.
 */
export function goldenInput(spec: GoldenSpec, c: GoldenCase, index: number): GoldenInput {
  if (c.x === undefined || c.y === undefined || c.heads === undefined) {
    throw new Error(
      `golden case ${index} of kind '${c.kind}' in ${spec.file} needs the fields x, y and heads`,
    );
  }
  const weights = spec.weights ? spec.weights(c) : c.weights;
  if (!weights) {
    throw new Error(
      `golden case ${index} of kind '${c.kind}' in ${spec.file} has no 'weights' and its spec no weights()`,
    );
  }
  return {
    label: `${spec.file} ${spec.kind} #${index} (${describeGoldenCase(c)})`,
    options: { heads: c.heads, ...(spec.options?.(c) ?? {}) },
    x: c.x as number[][][],
    ...(c.mask === undefined ? {} : { mask: c.mask as number[][] }),
    weights: weights as Nested[],
    y: c.y as number[][][],
  };
}

/** The golden forward cases of one registered variant: `golden[descriptor.name]` on its vendored golden file. */
export function goldenCasesFor(descriptor: RegisteredAttention): GoldenInput[] {
  const spec = golden[descriptor.name];
  if (!spec) return [];
  return selectGoldenCases(loadGoldenFile(spec.file) as GoldenCase[], spec).map((c, i) =>
    goldenInput(spec, c, i),
  );
}
