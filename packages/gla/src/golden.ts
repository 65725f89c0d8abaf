import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `gla` of `variants-2-seed0.json` (causal only). */
export const golden = {
  gla: { file: 'variants-2-seed0', kind: 'gla', causal: true },
} satisfies Record<string, GoldenSpec>;
