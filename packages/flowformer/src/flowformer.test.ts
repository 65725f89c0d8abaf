import { describe, it, expect, beforeAll } from 'vitest';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeRegisteredConformance, weightNames } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { golden } from './golden.js';
import { CausalFlowAttention } from './index.js';

describeRegisteredConformance('flowformer', { causal: false, golden });
describeRegisteredConformance('flowformer-causal', { causal: true, streaming: true, golden });

describe('Flow-Attention registration', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registers flowformer and flowformer-causal (linear, flow) with their paper; causal only by name', () => {
    for (const name of ['flowformer', 'flowformer-causal']) {
      expect(getAttentionDescriptor(name)).toMatchObject({
        complexity: 'linear',
        family: 'flow',
        paper: { arxiv: '2202.06258' },
      });
    }
    expect(() => createAttention('flowformer', { dim: 8, heads: 2, causal: true } as never)).toThrow(
      /unknown option 'causal'/,
    );
  });

  it('lists the weights in the documented order', () => {
    const projections = ['query', 'key', 'value', 'output'].flatMap((role) => [
      `${role}_kernel`,
      `${role}_bias`,
    ]);
    expect(weightNames(new CausalFlowAttention({ dim: 6, heads: 3 }), 6)).toEqual(projections);
  });
});
