import { it, expect } from 'vitest';
import { createAttention } from '@tost/attention';
import {
  describeOnBackends,
  describeRegisteredConformance,
  projectionWeights,
  weightList,
} from '@tost/attention/testing';
import { golden } from './golden.js';
import { CausalFlowAttention } from './index.js';

const descriptor = { complexity: 'linear', family: 'flow', paper: { arxiv: '2202.06258' } };
describeRegisteredConformance('flowformer', { causal: false, golden, descriptor });
describeRegisteredConformance('flowformer-causal', { causal: true, streaming: true, golden, descriptor });

describeOnBackends(
  'Flow-Attention options and weights',
  () => {
    it('is causal only by name', () => {
      expect(() => createAttention('flowformer', { dim: 8, heads: 2, causal: true } as never)).toThrow(
        /unknown option 'causal'/,
      );
    });

    it('lists the weights in the documented order', () => {
      expect(weightList(new CausalFlowAttention({ dim: 6, heads: 3 }), 6)).toEqual(projectionWeights(6));
    });
  },
  ['cpu'],
);
