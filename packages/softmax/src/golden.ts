import type { GoldenSpec, NestedNumbers } from '@tost/attention/golden';

/**
 * The float64 golden cases of each registered name: kinds `softmax` (weights Wq, bq, Wk, bk, Wv, bv, Wout, bout;
 * relative error < 1e-5) and `mssa` (named fields) of `attention-seed0.json`.
 */
export const golden = {
  softmax: { file: 'attention-seed0', kind: 'softmax', causal: false, tolerance: 1e-5 },
  'softmax-causal': { file: 'attention-seed0', kind: 'softmax', causal: true, tolerance: 1e-5 },
  mssa: {
    file: 'attention-seed0',
    kind: 'mssa',
    weights: (c) => [c.qkvKernel, c.outKernel, c.outBias] as NestedNumbers[],
  },
} satisfies Record<string, GoldenSpec>;
