import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `lightning` of `variants-seed0.json` (causal only). */
export const golden = {
  lightning: { file: 'variants-seed0', kind: 'lightning', causal: true },
} satisfies Record<string, GoldenSpec>;
