import { describe, it, expect, beforeAll } from 'vitest';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeRegisteredConformance, weightList } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { golden } from './golden.js';
import { Aaren } from './index.js';

describeRegisteredConformance('aaren', { causal: true, streaming: true, golden });

describe('Aaren registration', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registers aaren (linear, recurrent) with its paper', () => {
    expect(getAttentionDescriptor('aaren')).toMatchObject({
      complexity: 'linear',
      family: 'recurrent',
      paper: { arxiv: '2405.13956' },
    });
  });

  it('excludes the learned query, and only it, from weight decay', () => {
    const layer = createAttention('aaren', { dim: 6, heads: 3 });
    layer.build([null, null, 6]);
    const patterns = (getAttentionDescriptor('aaren').noWeightDecay ?? []).map((p) => new RegExp(p));
    const excluded = layer.weights.filter((w) => patterns.some((p) => p.test(w.originalName)));
    expect(excluded.map((w) => w.originalName.split('/').pop())).toEqual(['query']);
  });

  it('has no query projection: key, value, output, then the learned query [heads, p]', () => {
    expect(weightList(new Aaren({ dim: 6, heads: 3 }), 6)).toEqual([
      ['key_kernel', [6, 6]],
      ['key_bias', [6]],
      ['value_kernel', [6, 6]],
      ['value_bias', [6]],
      ['output_kernel', [6, 6]],
      ['output_bias', [6]],
      ['query', [3, 2]],
    ]);
  });
});
