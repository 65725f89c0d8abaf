import type { GoldenSpec, NestedNumbers } from '@tost/attention/golden';
import type { TSSA } from './tssa.js';

/**
 * The float64 golden cases of each registered name: kind `tssa` of `attention-seed0.json` (named weight fields),
 * checked in y and in the membership Π [batch, heads, seq] of `callAndReturnMembership`, whose y must equal apply's.
 */
export const golden = {
  tssa: {
    file: 'attention-seed0',
    kind: 'tssa',
    weights: (c) => [c.qkvKernel, c.qkvBias, c.temp, c.outKernel, c.outBias] as NestedNumbers[],
    outputs: (layer, x, c, y) => {
      const [yMembership, pi] = (layer as TSSA).callAndReturnMembership(x);
      return [
        { label: 'Π', actual: pi, expected: c.pi as NestedNumbers, atol: 1e-6 },
        {
          label: 'callAndReturnMembership y vs apply',
          actual: yMembership,
          expected: y.dataSync(),
          rtol: 0,
          atol: 0,
        },
      ];
    },
  },
} satisfies Record<string, GoldenSpec>;
