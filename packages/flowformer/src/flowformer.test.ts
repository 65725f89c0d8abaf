import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor, type AttentionLayer } from '@tost/attention';
import { describeAttentionConformance } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose, loadVariantGoldenCases, maxRelativeError, testBackends } from '@tost/vitest-config';
import { CausalFlowAttention, FlowAttention } from './index.js';

describeAttentionConformance('flowformer', (o) => new FlowAttention(o), { causal: false });
describeAttentionConformance('flowformer-causal', (o) => new CausalFlowAttention(o), {
  causal: true,
  streaming: true,
});

for (const backend of testBackends()) {
  describe(`Flow-Attention golden cases on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const causal of [false, true]) {
      loadVariantGoldenCases('flowformer', { causal }).forEach((c, index) => {
        it(`${causal ? 'causal' : 'non-causal'} case ${index} (heads ${c.heads}) matches the float64 reference on real tokens`, () => {
          tf.tidy(() => {
            const x = tf.tensor(c.x as number[][][]) as tf.Tensor3D;
            const mask = tf.tensor(c.mask as number[][]) as tf.Tensor2D;
            const dim = x.shape[2];
            const layer: AttentionLayer = causal
              ? new CausalFlowAttention({ dim, heads: c.heads })
              : new FlowAttention({ dim, heads: c.heads });
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
    }
  });
}

describe('Flow-Attention registration', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registers flowformer and flowformer-causal with their paper, and counts parameters', () => {
    for (const [name, causal, streaming] of [
      ['flowformer', false, false],
      ['flowformer-causal', true, true],
    ] as const) {
      const d = getAttentionDescriptor(name);
      expect(d).toMatchObject({ causal, streaming, complexity: 'linear', family: 'flow' });
      expect(d.paper.arxiv).toBe('2202.06258');
      for (const options of [
        { dim: 8, heads: 2 },
        { dim: 12, heads: 3, useBias: false },
      ]) {
        const layer = createAttention(name, options);
        layer.build([null, null, options.dim]);
        expect(layer.causal).toBe(causal);
        expect(d.parameterCount(options), `${name} ${JSON.stringify(options)}`).toBe(layer.countParams());
      }
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

  it('keeps gradients finite with a leading padded token and a sample without real tokens', async () => {
    for (const backend of testBackends()) {
      await initBackend(backend);
      tf.tidy(() => {
        for (const layer of (() => [
          new FlowAttention({ dim: 8, heads: 2 }),
          new CausalFlowAttention({ dim: 8, heads: 2 }),
        ])()) {
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
