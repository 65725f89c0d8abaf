import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { causalFlowAttention } from './causal-flow-attention-core.js';
import { causalFlowAttentionReference } from './causal-flow-attention-reference.js';
import { causalLinearProduct } from './causal-linear-product.js';

const randn = (shape: [number, number, number, number], seed: number): tf.Tensor4D =>
  tf.randomNormal(shape, 0, 1, 'float32', seed);

/** (Q·Kᵀ ⊙ L)·V with the full [seq, seq] lower triangle: the quadratic form of the causal product. */
function naiveCausalProduct(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const seq = q.shape[2];
  return tf.matMul(
    tf.mul(tf.matMul(q, k, false, true), tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0)) as tf.Tensor4D,
    v,
  );
}

for (const backend of testBackends()) {
  describe(`causal Flow-Attention forms on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('the chunked causal product equals the quadratic one for any chunk size (incl. a ragged last chunk)', () => {
      tf.tidy(() => {
        const [q, k, v] = [randn([2, 3, 11, 4], 1), randn([2, 3, 11, 4], 2), randn([2, 3, 11, 5], 3)];
        const expected = naiveCausalProduct(q, k, v).dataSync();
        for (const chunk of [1, 3, 4, 11, 64]) {
          expectClose(causalLinearProduct(q, k, v, chunk).dataSync(), expected, {
            rtol: 1e-4,
            atol: 1e-5,
            label: `chunk ${chunk}`,
          });
        }
        expect(() => causalLinearProduct(q, k, v, 0)).toThrow(
          /'chunkSize' must be a positive integer, got 0/,
        );
      });
    });

    it('the chunked product’s hand-written gradient equals autodiff of the quadratic form', () => {
      tf.tidy(() => {
        const inputs = [randn([1, 2, 9, 3], 4), randn([1, 2, 9, 3], 5), randn([1, 2, 9, 3], 6)];
        const probe = randn([1, 2, 9, 3], 7);
        const loss = (f: typeof naiveCausalProduct) => (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
          tf.sum(tf.mul(f(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D), probe));
        const expected = tf.grads(loss(naiveCausalProduct))(inputs);
        const actual = tf.grads(loss((q, k, v) => causalLinearProduct(q, k, v, 4)))(inputs);
        ['dq', 'dk', 'dv'].forEach((label, i) =>
          expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5, label }),
        );
      });
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
