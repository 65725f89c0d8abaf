import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `local` of `variants-seed0.json`, with window and dilation. */
const local = (causal: boolean): GoldenSpec => ({
  file: 'variants-seed0',
  kind: 'local',
  causal,
  options: (c) => ({ window: c.window, dilation: c.dilation }),
});

export const golden = { local: local(false), 'local-causal': local(true) } satisfies Record<
  string,
  GoldenSpec
>;
