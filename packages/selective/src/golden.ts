import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `selective` of `variants-2-seed0.json` (causal only). */
export const golden = {
  selective: { file: 'variants-2-seed0', kind: 'selective', causal: true },
} satisfies Record<string, GoldenSpec>;
