import type { GoldenSpec } from '@tost/attention/golden';

/**
 * The float64 golden cases of each registered name: kinds `deltanet` and `gated_deltanet` of `variants-2-seed0.json`
 * (computed token by token; some samples have a padded token inside the sequence).
 */
export const golden = {
  deltanet: { file: 'variants-2-seed0', kind: 'deltanet', causal: true },
  'gated-deltanet': { file: 'variants-2-seed0', kind: 'gated_deltanet', causal: true },
} satisfies Record<string, GoldenSpec>;
