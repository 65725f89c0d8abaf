import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { groupedAttention, type AttentionWeightsForm } from './grouped-attention.js';
import { groupPart } from './head-groups.js';

// q [B, H, N, p]; k, v with M ≠ N keys and pv ≠ p, so that a swapped axis cannot pass.
const [B, H, N, M, P, PV] = [2, 3, 5, 4, 3, 2];
const rand = (shape: [number, number, number, number], seed: number) =>
  tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
/** Per-sample key mask as 0/1 floats [B, 1, 1, M]: sample 0 sees keys 0..2, sample 1 every key. */
const keyMask = () => tf.tensor4d([1, 1, 1, 0, 1, 1, 1, 1], [B, 1, 1, M]);

/** W = sigmoid(scores) on the allowed keys, 0 elsewhere; dS = dW ⊙ W ⊙ (1 − W). */
const maskedSigmoid: AttentionWeightsForm = {
  weights: (scores, [mask], { group, heads }) =>
    tf.mul(tf.sigmoid(scores), groupPart(mask as tf.Tensor4D, heads, group)) as tf.Tensor3D,
  scoresGradient: (w, dW) => tf.mul(dW, tf.mul(w, tf.sub(1, w))) as tf.Tensor3D,
};

/** The same maths in plain ops, differentiated by tfjs. */
const plain = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor) =>
  tf.matMul(tf.mul(tf.sigmoid(tf.matMul(q, k, false, true)), mask), v);

for (const backend of testBackends()) {
  describe(`groupedAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    // Group bounds in weight elements (one slice: N·M = 20): default (one group), one slice, two heads, one sample.
    for (const bound of [undefined, 1, 2 * N * M, H * N * M]) {
      it(`output and gradients match autodiff of the plain formula; the extras get zeros (bound ${bound ?? 'default'})`, () => {
        tf.tidy(() => {
          const [q, k, v, dy] = [
            rand([B, H, N, P], 1),
            rand([B, H, M, P], 2),
            rand([B, H, M, PV], 3),
            rand([B, H, N, PV], 4),
          ];
          const mask = keyMask();
          const grouped = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) =>
            groupedAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, [m], maskedSigmoid, bound);
          const y = grouped(q, k, v, mask);
          expect(y.shape).toEqual([B, H, N, PV]);
          expectClose(y.dataSync(), plain(q, k, v, mask).dataSync(), {
            rtol: 1e-5,
            atol: 1e-6,
            label: 'output',
          });
          const loss = (f: typeof plain) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: tf.Tensor) =>
            tf.sum(tf.mul(f(a, b, c, m), dy));
          const ours = tf.grads(loss(grouped))([q, k, v, mask]);
          const reference = tf.grads(loss(plain))([q, k, v, mask]);
          ['dq', 'dk', 'dv'].forEach((label, i) => {
            expect(ours[i]!.shape, label).toEqual(reference[i]!.shape);
            expectClose(ours[i]!.dataSync(), reference[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5, label });
          });
          expect(ours[3]!.shape).toEqual([B, 1, 1, M]);
          expect(
            Array.from(ours[3]!.dataSync()).every((x) => x === 0),
            'the extra gets a zero gradient',
          ).toBe(true);
        });
      });
    }

    it('leaks no tensors, forward or backward', async () => {
      const [q, k, v] = [rand([B, H, N, P], 1), rand([B, H, M, P], 2), rand([B, H, M, PV], 3)];
      const mask = keyMask();
      await expectNoLeakedTensors(() => {
        tf.dispose(groupedAttention(q, k, v, [mask], maskedSigmoid, 2 * N * M));
        tf.dispose(
          tf.grads((a: tf.Tensor) =>
            tf.sum(groupedAttention(a as tf.Tensor4D, k, v, [mask], maskedSigmoid, 2 * N * M)),
          )([q]),
        );
      });
      tf.dispose([q, k, v, mask]);
    });
  });
}
