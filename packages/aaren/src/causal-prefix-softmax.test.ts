import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { causalPrefixSoftmax } from './causal-prefix-softmax.js';
import { causalPrefixSoftmaxReference } from './causal-prefix-softmax-reference.js';
import { exclusiveRescaledScan, prefixMax } from './rescaled-scan.js';

const randn = (shape: number[], seed: number, std = 1): tf.Tensor =>
  tf.randomNormal(shape, 0, std, 'float32', seed);

for (const backend of testBackends()) {
  describe(`Aaren's chunked prefix softmax on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('prefixMax and the rescaled scan match direct loops', () => {
      tf.tidy(() => {
        const x = [3, -1, 4, 1, -5, 9, 2, 6, 5, 3, 5];
        expect(Array.from(prefixMax(tf.tensor2d([x])).dataSync())).toEqual(
          x.map((_, i) => Math.max(...x.slice(0, i + 1))),
        );
        // Chunk summaries (m_c, x_c): the exclusive scan equals Σ_{c'<c} x_c'·exp(m_c' − max) with max over c' < c.
        const m = [0.5, 3, -2, 40, 1];
        const sums = [1, 2, 3, 4, 5];
        const { m: em, x: ex } = exclusiveRescaledScan(tf.tensor2d([m]), tf.tensor3d([sums.map((s) => [s])]));
        const { m: rm, x: rx } = exclusiveRescaledScan(
          tf.tensor2d([m]),
          tf.tensor3d([sums.map((s) => [s])]),
          true,
        );
        const expectedAt = (idx: number[]) => {
          if (!idx.length) return [-1e30, 0];
          const top = Math.max(...idx.map((i) => m[i]!));
          return [top, idx.reduce((s, i) => s + sums[i]! * Math.exp(m[i]! - top), 0)];
        };
        m.forEach((_, c) => {
          const before = expectedAt([...Array(c).keys()]);
          const after = expectedAt([...Array(m.length - c - 1).keys()].map((i) => c + 1 + i));
          expectClose([em.dataSync()[c]!, ex.dataSync()[c]!], before, { rtol: 1e-6, label: `before ${c}` });
          expectClose([rm.dataSync()[c]!, rx.dataSync()[c]!], after, { rtol: 1e-6, label: `after ${c}` });
        });
      });
    });

    it('equals the quadratic form for any chunk size, with padding and scores far apart', () => {
      tf.tidy(() => {
        // Scores spread over ±60 so that exp without a running max would overflow/underflow in float32.
        const scores = randn([2, 2, 13], 1, 30) as tf.Tensor3D;
        const values = randn([2, 2, 13, 3], 2) as tf.Tensor4D;
        const mask = tf.tensor2d([
          [0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1],
          [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        ]);
        for (const m of [undefined, mask]) {
          const expected = causalPrefixSoftmaxReference(scores, values, m).dataSync();
          for (const chunk of [1, 2, 4, 5, 13, 64]) {
            expectClose(causalPrefixSoftmax(scores, values, m, chunk).dataSync(), expected, {
              rtol: 1e-4,
              atol: 1e-5,
              label: `chunk ${chunk}, ${m ? 'masked' : 'no mask'}`,
            });
          }
        }
        expect(() => causalPrefixSoftmax(scores, values, undefined, 0)).toThrow(
          /'chunkSize' must be a positive integer, got 0/,
        );
      });
    });

    it('its hand-written gradient equals autodiff of the quadratic form', () => {
      tf.tidy(() => {
        const scores = randn([2, 2, 11], 3, 4) as tf.Tensor3D;
        const values = randn([2, 2, 11, 3], 4) as tf.Tensor4D;
        const mask = tf.tensor2d([
          [0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1],
          [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        ]);
        const probe = randn([2, 2, 11, 3], 5);
        for (const m of [undefined, mask]) {
          const loss = (f: (s: tf.Tensor3D, v: tf.Tensor4D) => tf.Tensor4D) => (s: tf.Tensor, v: tf.Tensor) =>
            tf.sum(tf.mul(f(s as tf.Tensor3D, v as tf.Tensor4D), probe));
          const expected = tf.grads(loss((s, v) => causalPrefixSoftmaxReference(s, v, m)))([scores, values]);
          for (const chunk of [3, 4, 64]) {
            const actual = tf.grads(loss((s, v) => causalPrefixSoftmax(s, v, m, chunk)))([scores, values]);
            ['dScores', 'dValues'].forEach((label, i) =>
              expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), {
                rtol: 1e-4,
                atol: 1e-5,
                label: `${label}, chunk ${chunk}, ${m ? 'masked' : 'no mask'}`,
              }),
            );
          }
        }
      });
    });

    it('leaks no tensors forward or backward', async () => {
      const scores = randn([1, 2, 9], 6) as tf.Tensor3D;
      const values = randn([1, 2, 9, 3], 7) as tf.Tensor4D;
      causalPrefixSoftmax(scores, values, undefined, 4).dispose();
      await expectNoLeakedTensors(
        () => causalPrefixSoftmax(scores, values, undefined, 4).dispose(),
        'forward',
      );
      await expectNoLeakedTensors(() => {
        const g = tf.grads((s: tf.Tensor, v: tf.Tensor) =>
          tf.sum(causalPrefixSoftmax(s as tf.Tensor3D, v as tf.Tensor4D, undefined, 4)),
        )([scores, values]);
        tf.dispose(g);
      }, 'backward');
      tf.dispose([scores, values]);
    });
  });
}
