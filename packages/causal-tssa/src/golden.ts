import type { GoldenSpec, NestedNumbers } from '@tost/attention/golden';
import type { CausalTSSA } from './causal-tssa.js';

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
    outputs: (layer, x, c, y) => {
      const [yMembership, pi] = (layer as CausalTSSA).callAndReturnMembership(x);
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
