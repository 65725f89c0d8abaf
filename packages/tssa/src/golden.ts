import { membershipOutputs, type GoldenSpec, type NestedNumbers } from '@tost/attention/golden';

/**
 * The float64 golden cases of each registered name: kind `tssa` of `attention-seed0.json` (named weight fields),
 * checked in y and in the membership Π [batch, heads, seq] of `callAndReturnMembership`, whose y must equal apply's.
 */
export const golden = {
  tssa: {
    file: 'attention-seed0',
    kind: 'tssa',
    weights: (c) => [c.qkvKernel, c.qkvBias, c.temp, c.outKernel, c.outBias] as NestedNumbers[],
    outputs: membershipOutputs,
  },
} satisfies Record<string, GoldenSpec>;
