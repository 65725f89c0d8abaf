import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, type AttentionLayer } from '@tost/attention';
import {
  describeOnBackends,
  describeRegisteredConformance,
  projectionWeights,
  weightList,
} from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose, testBackends } from '@tost/vitest-config';
import { golden } from './golden.js';
import { XCA, channelAttention } from './index.js';

describeRegisteredConformance('xca', {
  causal: false,
  golden,
  descriptor: { streaming: false, complexity: 'linear', paper: { arxiv: '2106.09681' } },
  // The temperature, and only it.
  noWeightDecay: ['temperature'],
});

for (const backend of testBackends()) {
  describe(`XCA on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('channelAttention: hand-written gradients equal autodiff of the plain formula (also with an all-zero channel)', () => {
      tf.tidy(() => {
        const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
        // Channel 0 of q is zero in every token (its norm is floored).
        const channelMask = tf.tensor4d([0, 1, 1, 1], [1, 1, 1, 4]);
        const q = tf.mul(randn([2, 3, 7, 4], 1), channelMask) as tf.Tensor4D;
        const k = randn([2, 3, 7, 4], 2) as tf.Tensor4D;
        const v = randn([2, 3, 7, 4], 3) as tf.Tensor4D;
        const tau = tf.tensor1d([0.5, 1, 2]);
        const probe = randn([2, 3, 7, 4], 4);
        const plain = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, ti: tf.Tensor) => {
          const unit = (t: tf.Tensor) => tf.div(t, tf.sqrt(tf.maximum(tf.sum(tf.square(t), 2, true), 1e-24)));
          const a = tf.softmax(tf.mul(tf.matMul(unit(qi), unit(ki), true, false), tf.reshape(ti, [1, 3, 1, 1])));
          return tf.matMul(vi, a, false, true);
        };
        const fused = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, ti: tf.Tensor) =>
          channelAttention(qi as tf.Tensor4D, ki as tf.Tensor4D, vi as tf.Tensor4D, ti as tf.Tensor1D);
        expectClose(fused(q, k, v, tau).dataSync(), plain(q, k, v, tau).dataSync(), { rtol: 1e-4, atol: 1e-5, label: 'O' });
        const loss = (f: typeof plain) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          tf.sum(tf.mul(f(a, b, c, d), probe)) as tf.Scalar;
        const expected = tf.grads(loss(plain))([q, k, v, tau]);
        const actual = tf.grads(loss(fused))([q, k, v, tau]);
        ['q', 'k', 'v', 'temperature'].forEach((name, i) =>
          expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), { rtol: 1e-3, atol: 1e-4, label: `d${name}` }),
        );
      });
    });

    it('mixes channels, not tokens: a p×p map per head, so permuting the tokens permutes the outputs', () => {
      const layer = new XCA({ dim: 8, heads: 2 });
      layer.build([null, null, 8]);
      tf.tidy(() => {
        const x = tf.randomNormal([1, 7, 8], 0, 1, 'float32', 1);
        const order = [3, 0, 6, 1, 5, 2, 4];
        const permuted = layer.apply(tf.gather(x, order, 1)) as tf.Tensor;
        const expected = tf.gather(layer.apply(x) as tf.Tensor, order, 1);
        expectClose(permuted.dataSync(), expected.dataSync(), { rtol: 1e-4, atol: 1e-5, label: 'permuted' });
      });
    });

    it('the temperature sharpens the channel map: τ → large gives each query channel its best key channel', () => {
      const layer = new XCA({ dim: 4, heads: 1, useBias: false });
      layer.build([null, null, 4]);
      tf.tidy(() => {
        const eye = tf.eye(4);
        // q = k = v = x, out = identity: the channel map of x with itself peaks on the diagonal (cosine 1).
        layer.setWeights([eye, eye, eye, eye, tf.tensor1d([1e4])]);
        const x = tf.randomNormal([1, 9, 4], 0, 1, 'float32', 2);
        expectClose((layer.apply(x) as tf.Tensor).dataSync(), x.dataSync(), { rtol: 1e-4, atol: 1e-5, label: 'sharp' });
      });
    });

    it('keeps gradients finite for a sample without any real token (all-zero channels)', () => {
      const layer = new XCA({ dim: 8, heads: 2 });
      layer.build([null, null, 8]);
      tf.tidy(() => {
        const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 3);
        const mask = tf.tensor2d([[1, 1, 0, 1, 1], [0, 0, 0, 0, 0]]);
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => tf.sum(layer.apply(x, { mask }) as tf.Tensor) as tf.Scalar, vars);
        for (const [name, g] of Object.entries(grads)) {
          expect(Array.from(g.dataSync()).every(Number.isFinite), `gradient of ${name}`).toBe(true);
        }
      });
    });
  });
}

describeOnBackends(
  'xca weights',
  () => {
    it('has the weights of the spec, in order; the temperature [heads] starts at 1', () => {
      const layer: AttentionLayer = createAttention('xca', { dim: 6, heads: 3 });
      expect(weightList(layer, 6)).toEqual([...projectionWeights(6), ['temperature', [3]]]);
      expect(Array.from(layer.weights[8]!.read().dataSync())).toEqual([1, 1, 1]);
    });
  },
  ['cpu'],
);
