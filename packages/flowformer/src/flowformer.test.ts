import { describe, it, expect, beforeAll } from 'vitest';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeRegisteredConformance } from '@tost/attention/testing';
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
    const layer = new CausalFlowAttention({ dim: 6, heads: 3 });
    layer.build([null, null, 6]);
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual([
      'query_kernel',
      'query_bias',
      'key_kernel',
      'key_bias',
      'value_kernel',
      'value_bias',
      'output_kernel',
      'output_bias',
    ]);
  });
});
