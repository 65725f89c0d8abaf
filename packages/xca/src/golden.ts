import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `xca` of `variants-2-seed0.json`. */
export const golden = {
  xca: { file: 'variants-2-seed0', kind: 'xca' },
} satisfies Record<string, GoldenSpec>;
