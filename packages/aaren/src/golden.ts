import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `aaren` of `variants-seed0.json` (causal only). */
export const golden = {
  aaren: { file: 'variants-seed0', kind: 'aaren', causal: true },
} satisfies Record<string, GoldenSpec>;
