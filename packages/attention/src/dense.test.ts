import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, testBackends } from '@tost/vitest-config';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { denseTokens } from './dense.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('denseTokens', () => {
  it('computes x·W + b per token (tfjs [in, out] kernel layout)', () => {
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const w = tf.tensor2d([
      [1, 0, 2],
      [0, 1, -1],
    ]);
    const b = tf.tensor1d([10, 20, 30]);
    const y = denseTokens(x, w, b);
    expect(y.shape).toEqual([1, 2, 3]);
    // Hand-computed: [1,2]·W = [1, 2, 0]; [3,4]·W = [3, 4, 2].
    expectClose(y.dataSync(), [11, 22, 30, 13, 24, 32], { rtol: 0, atol: 0 });
    expectClose(denseTokens(x, w).dataSync(), [1, 2, 0, 3, 4, 2], { rtol: 0, atol: 0 });
    tf.dispose([x, w, b, y]);
  });
});

for (const backend of testBackends()) {
  describe(`denseTokens gradients on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('gradients of x, W and b equal the closed forms dx = dy·Wᵀ, dW = Σ_tokens xᵀ·dy, db = Σ_tokens dy', () => {
      const x = tf.tensor3d([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [-1, 0.5],
          [2, -3],
        ],
      ]);
      const w = tf.tensor2d([
        [1, 0, 2],
        [0, 1, -1],
      ]);
      const b = tf.tensor1d([10, 20, 30]);
      // Upstream gradient dy: loss = Σ y ⊙ probe.
      const probe = tf.tensor3d([
        [
          [1, -2, 0.5],
          [3, 0, -1],
        ],
        [
          [0.25, 4, 2],
          [-1, 1, 1],
        ],
      ]);
      const [dx, dw, db] = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(denseTokens(xi as tf.Tensor3D, wi as tf.Tensor2D, bi as tf.Tensor1D), probe)),
      )([x, w, b]);
      // Hand-computed from the probe rows p1..p4 = (1,-2,.5), (3,0,-1), (.25,4,2), (-1,1,1).
      expectClose(db!.dataSync(), [3.25, 3, 2.5], { rtol: 1e-6, atol: 1e-6, label: 'db' });
      // dW[c, o] = Σ_i x[i, c] p[i, o]: x column 0 = (1, 3, -1, 2), column 1 = (2, 4, 0.5, -3).
      expectClose(dw!.dataSync(), [7.75, -4, -2.5, 17.125, -5, -5], { rtol: 1e-6, atol: 1e-6, label: 'dW' });
      // dx[i, c] = Σ_o p[i, o] W[c, o]: W rows (1, 0, 2) and (0, 1, -1).
      expectClose(dx!.dataSync(), [2, -2.5, 1, 1, 4.25, 2, 1, 0], { rtol: 1e-6, atol: 1e-6, label: 'dx' });
      tf.dispose([x, w, b, probe, dx!, dw!, db!]);
    });
  });
}
