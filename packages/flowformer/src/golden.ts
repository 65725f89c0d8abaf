import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `flowformer` of `variants-seed0.json`. */
export const golden = {
  flowformer: { file: 'variants-seed0', kind: 'flowformer', causal: false },
  'flowformer-causal': { file: 'variants-seed0', kind: 'flowformer', causal: true },
} satisfies Record<string, GoldenSpec>;
