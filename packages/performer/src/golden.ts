import type { GoldenSpec } from '@tost/attention/golden';

/**
 * The float64 golden cases of each registered name: kind `performer` of `variants-seed0.json`, whose weights end
 * with the random features Ω [p, m] (m need not be a multiple of p).
 */
const performer = (causal: boolean): GoldenSpec => ({
  file: 'variants-seed0',
  kind: 'performer',
  causal,
  options: (c) => ({ features: (c.weights![8] as number[][])[0]!.length }),
});

export const golden = {
  performer: performer(false),
  'performer-causal': performer(true),
} satisfies Record<string, GoldenSpec>;
