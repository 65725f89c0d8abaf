import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `sigmoid` of `variants-seed0.json`. */
export const golden = {
  sigmoid: { file: 'variants-seed0', kind: 'sigmoid', causal: false },
  'sigmoid-causal': { file: 'variants-seed0', kind: 'sigmoid', causal: true },
} satisfies Record<string, GoldenSpec>;
