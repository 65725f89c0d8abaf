import { describe, it, expect, beforeAll } from 'vitest';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeAttentionConformance } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { golden } from './golden.js';
import { Aaren } from './index.js';

describeAttentionConformance('aaren', (o) => new Aaren(o), {
  causal: true,
  streaming: true,
  golden: golden.aaren,
});

describe('Aaren registration', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registers aaren (causal, streaming) with its paper, and counts parameters', () => {
    const d = getAttentionDescriptor('aaren');
    expect(d).toMatchObject({ causal: true, streaming: true, complexity: 'linear', family: 'recurrent' });
    expect(d.paper.arxiv).toBe('2405.13956');
    for (const options of [
      { dim: 8, heads: 2 },
      { dim: 12, heads: 3, useBias: false },
    ]) {
      const layer = createAttention('aaren', options);
      layer.build([null, null, options.dim]);
      expect(d.parameterCount(options), JSON.stringify(options)).toBe(layer.countParams());
    }
  });

  it('excludes the learned query, and only it, from weight decay', () => {
    const layer = createAttention('aaren', { dim: 6, heads: 3 });
    layer.build([null, null, 6]);
    const patterns = (getAttentionDescriptor('aaren').noWeightDecay ?? []).map((p) => new RegExp(p));
    const excluded = layer.weights.filter((w) => patterns.some((p) => p.test(w.originalName)));
    expect(excluded.map((w) => w.originalName.split('/').pop())).toEqual(['query']);
  });

  it('has no query projection: key, value, output, then the learned query [heads, p]', () => {
    const layer = new Aaren({ dim: 6, heads: 3 });
    layer.build([null, null, 6]);
    expect(layer.weights.map((w) => [w.originalName.split('/').pop(), w.shape])).toEqual([
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
