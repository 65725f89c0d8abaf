import { describe, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { causalFlowAttention } from './causal-flow-attention-core.js';
import { causalFlowAttentionReference } from './causal-flow-attention-reference.js';

const randn = (shape: [number, number, number, number], seed: number): tf.Tensor4D =>
  tf.randomNormal(shape, 0, 1, 'float32', seed);

for (const backend of testBackends()) {
  describe(`causal Flow-Attention forms on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('the causal core equals the quadratic reference, values and gradients, with padding', () => {
      tf.tidy(() => {
        const [q, k, v] = [randn([2, 2, 10, 4], 8), randn([2, 2, 10, 4], 9), randn([2, 2, 10, 4], 10)];
        // Sample 0: a padded token first and one in the middle; sample 1: trailing padding.
        const mask = tf.tensor2d([
          [0, 1, 1, 1, 0, 1, 1, 1, 1, 1],
          [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        ]);
        const real = tf.reshape(mask, [2, 1, 10, 1]);
        const probe = tf.mul(randn([2, 2, 10, 4], 11), real);
        expectClose(
          tf.mul(causalFlowAttention(q, k, v, mask, 3), real).dataSync(),
          tf.mul(causalFlowAttentionReference(q, k, v, mask), real).dataSync(),
          { rtol: 1e-4, atol: 1e-5, label: 'forward' },
        );
        const loss = (f: typeof causalFlowAttentionReference) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, mask), probe));
        const expected = tf.grads(loss(causalFlowAttentionReference))([q, k, v]);
        const actual = tf.grads(loss((a, b, c, m) => causalFlowAttention(a, b, c, m, 3)))([q, k, v]);
        ['dq', 'dk', 'dv'].forEach((label, i) =>
          expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), { rtol: 1e-3, atol: 1e-5, label }),
        );
      });
    });

    it('leaks no tensors forward or backward', async () => {
      const [q, k, v] = [randn([1, 2, 7, 3], 12), randn([1, 2, 7, 3], 13), randn([1, 2, 7, 3], 14)];
      causalFlowAttention(q, k, v, undefined, 3).dispose();
      await expectNoLeakedTensors(() => causalFlowAttention(q, k, v, undefined, 3).dispose(), 'forward');
      await expectNoLeakedTensors(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(causalFlowAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, undefined, 3)),
        )([q, k, v]);
        tf.dispose(g);
      }, 'backward');
      tf.dispose([q, k, v]);
    });
  });
}
