import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kinds `linear` and `norm_linear` of `variants-seed0.json`. */
export const golden = {
  linear: { file: 'variants-seed0', kind: 'linear', causal: false },
  'linear-causal': { file: 'variants-seed0', kind: 'linear', causal: true },
  'norm-linear': { file: 'variants-seed0', kind: 'norm_linear', causal: false },
  'norm-linear-causal': { file: 'variants-seed0', kind: 'norm_linear', causal: true },
} satisfies Record<string, GoldenSpec>;
