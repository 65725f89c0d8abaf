import { expect, it } from 'vitest';
import {
  describeOnBackends,
  describeRegisteredConformance,
  projectionWeights,
  weightList,
} from '@tost/attention/testing';
import { golden } from './golden.js';
import { Aaren } from './index.js';

describeRegisteredConformance('aaren', {
  causal: true,
  streaming: true,
  golden,
  descriptor: { complexity: 'linear', family: 'recurrent', paper: { arxiv: '2405.13956' } },
  // The learned query, and only it.
  noWeightDecay: ['query'],
});

describeOnBackends(
  'Aaren weights',
  () => {
    it('has no query projection: key, value, output, then the learned query [heads, p]', () => {
      expect(weightList(new Aaren({ dim: 6, heads: 3 }), 6)).toEqual([
        ...projectionWeights(6, { roles: ['key', 'value', 'output'] }),
        ['query', [3, 2]],
      ]);
    });
  },
  ['cpu'],
);
