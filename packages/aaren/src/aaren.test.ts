import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeAttentionConformance } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose, loadVariantGoldenCases, maxRelativeError, testBackends } from '@tost/vitest-config';
import { Aaren } from './index.js';

describeAttentionConformance('aaren', (o) => new Aaren(o), { causal: true, streaming: true });

for (const backend of testBackends()) {
  describe(`Aaren golden cases on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    loadVariantGoldenCases('aaren', { causal: true }).forEach((c, index) => {
      it(`case ${index} (heads ${c.heads}) matches the float64 reference on real tokens`, () => {
        tf.tidy(() => {
          const x = tf.tensor(c.x as number[][][]) as tf.Tensor3D;
          const mask = tf.tensor(c.mask as number[][]) as tf.Tensor2D;
          const dim = x.shape[2];
          const layer = new Aaren({ dim, heads: c.heads });
          layer.build([null, null, dim]);
          layer.setWeights(c.weights.map((w) => tf.tensor(w as number[])));
          const real = tf.expandDims(mask, 2);
          const y = tf.mul(layer.apply(x, { mask }) as tf.Tensor, real);
          const expected = tf.mul(tf.tensor(c.y as number[][][]), real);
          expect(maxRelativeError(y.dataSync(), expected.dataSync())).toBeLessThan(1e-4);
          expectClose(y.dataSync(), expected.dataSync(), { rtol: 1e-4, atol: 1e-5, label: 'y' });
        });
      });
    });
  });
}

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

  it('keeps gradients finite with a leading padded token and a sample without real tokens', async () => {
    for (const backend of testBackends()) {
      await initBackend(backend);
      tf.tidy(() => {
        for (const layer of (() => [new Aaren({ dim: 8, heads: 2 })])()) {
          const x = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 4);
          const mask = tf.tensor2d([
            [0, 1, 1, 0, 1, 1],
            [0, 0, 0, 0, 0, 0],
          ]);
          layer.apply(x, { mask });
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const { grads } = tf.variableGrads(
            () => tf.sum(layer.apply(x, { mask }) as tf.Tensor) as tf.Scalar,
            vars,
          );
          for (const [name, g] of Object.entries(grads)) {
            expect(Array.from(g.dataSync()).every(Number.isFinite), `${backend}: gradient of ${name}`).toBe(
              true,
            );
          }
        }
      });
    }
  });
});
