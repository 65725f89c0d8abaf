import type { GoldenSpec } from '@tost/attention/golden';

/** The float64 golden cases of each registered name: kind `agent` of `variants-seed0.json`, with its agent count. */
export const golden = {
  agent: { file: 'variants-seed0', kind: 'agent', options: (c) => ({ agents: c.agents }) },
} satisfies Record<string, GoldenSpec>;
