import { membershipOutputs, type GoldenSpec, type NestedNumbers } from '@tost/attention/golden';

/**
 * The float64 golden cases of each registered name: kind `causal_tssa` of `attention-seed0.json` (named weight
 * fields; `maxLength` from the denominator bias [heads, L, 1]), checked in y and in the membership Π of
 * `callAndReturnMembership`, whose y must equal apply's.
 */
export const golden = {
  'causal-tssa': {
    file: 'attention-seed0',
    kind: 'causal_tssa',
    options: (c) => ({ maxLength: (c.denomBias as number[][][])[0]!.length, useBias: true }),
    weights: (c) => [c.qkvKernel, c.qkvBias, c.temp, c.denomBias, c.outKernel, c.outBias] as NestedNumbers[],
    outputs: membershipOutputs,
  },
} satisfies Record<string, GoldenSpec>;
