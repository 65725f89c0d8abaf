import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { groupedAttention, type AttentionWeightsForm, type GroupContext } from './grouped-attention.js';
import { groupPart } from './head-groups.js';

// q [B, H, N, p]; k, v with M ≠ N keys and pv ≠ p, so that a swapped axis cannot pass.
const [B, H, N, M, P, PV] = [2, 3, 5, 4, 3, 2];
const rand = (shape: [number, number, number, number], seed: number) =>
  tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
/** Per-sample key mask as 0/1 floats [B, 1, 1, M]: sample 0 sees keys 0..2, sample 1 every key. */
const keyMask = () => tf.tensor4d([1, 1, 1, 0, 1, 1, 1, 1], [B, 1, 1, M]);

/** W = sigmoid(scores) on the keys `mask` allows, 0 elsewhere; dS = dW ⊙ W ⊙ (1 − W). Counts its groups. */
function maskedSigmoid(mask: tf.Tensor4D): AttentionWeightsForm & { groups: number } {
  const form = {
    groups: 0,
    weights: (scores: tf.Tensor3D, { group, heads }: GroupContext) => {
      form.groups++;
      return tf.mul(tf.sigmoid(scores), groupPart(mask, heads, group)) as tf.Tensor3D;
    },
    scoresGradient: (w: tf.Tensor3D, dW: tf.Tensor3D) => tf.mul(dW, tf.mul(w, tf.sub(1, w))) as tf.Tensor3D,
  };
  return form;
}

/** The same maths in plain ops, differentiated by tfjs. */
const plain = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor) =>
  tf.matMul(tf.mul(tf.sigmoid(tf.matMul(q, k, false, true)), mask), v);

for (const backend of testBackends()) {
  describe(`groupedAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    // Group bounds in weight elements (one slice: N·M = 20; B·H = 6 slices): the default (one group), one slice a
    // group, two heads a group (3 heads: groups of 2 and 1 per sample), one sample a group.
    for (const [bound, groups] of [
      [undefined, 1],
      [1, 6],
      [2 * N * M, 4],
      [H * N * M, 2],
    ] as const) {
      it(`output and gradients match autodiff of the plain formula (bound ${bound ?? 'default'}: ${groups} groups)`, () => {
        tf.tidy(() => {
          const [q, k, v, dy] = [
            rand([B, H, N, P], 1),
            rand([B, H, M, P], 2),
            rand([B, H, M, PV], 3),
            rand([B, H, N, PV], 4),
          ];
          const mask = keyMask();
          const form = maskedSigmoid(mask);
          const grouped = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            groupedAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, form, bound);
          const y = grouped(q, k, v);
          // Groups sized by the N×M weights (not N×N).
          expect(form.groups, 'groups in one forward pass').toBe(groups);
          expect(y.shape).toEqual([B, H, N, PV]);
          expectClose(y.dataSync(), plain(q, k, v, mask).dataSync(), {
            rtol: 1e-5,
            atol: 1e-6,
            label: 'output',
          });
          const loss =
            (f: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) =>
            (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              tf.sum(tf.mul(f(a, b, c), dy));
          const ours = tf.grads(loss(grouped))([q, k, v]);
          const reference = tf.grads(loss((a, b, c) => plain(a, b, c, mask)))([q, k, v]);
          ['dq', 'dk', 'dv'].forEach((label, i) => {
            expect(ours[i]!.shape, label).toEqual(reference[i]!.shape);
            expectClose(ours[i]!.dataSync(), reference[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5, label });
          });
        });
      });
    }

    it('empty inputs: an empty output, or zeros with no key; gradients of the inputs’ shapes', () => {
      tf.tidy(() => {
        const form = maskedSigmoid(tf.ones([1, 1, 1, 1]) as tf.Tensor4D);
        const noKeys = groupedAttention(
          rand([B, H, N, P], 1),
          rand([B, H, 0, P], 2),
          rand([B, H, 0, PV], 3),
          form,
        );
        expect(noKeys.shape).toEqual([B, H, N, PV]);
        expect(Array.from(noKeys.dataSync()).every((x) => x === 0)).toBe(true);
        const [q, k, v] = [rand([B, H, 0, P], 1), rand([B, H, M, P], 2), rand([B, H, M, PV], 3)];
        expect(groupedAttention(q, k, v, form).shape).toEqual([B, H, 0, PV]);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(groupedAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, form)),
        )([q, k, v]);
        expect(grads.map((g) => g.shape)).toEqual([q.shape, k.shape, v.shape]);
        expect(form.groups, 'no group runs for an empty input').toBe(0);
      });
    });

    it('rejects a bound that is not a positive number, naming it', () => {
      tf.tidy(() => {
        const q = rand([B, H, N, P], 1);
        for (const bad of [0, -3, Number.NaN]) {
          expect(() => groupedAttention(q, q, q, maskedSigmoid(keyMask()), bad)).toThrow(
            /groupedAttention: argument 'maxGroupElements' must be a positive number, got /,
          );
        }
      });
    });

    it('leaks no tensors, forward or backward', async () => {
      const [q, k, v] = [rand([B, H, N, P], 1), rand([B, H, M, P], 2), rand([B, H, M, PV], 3)];
      const mask = keyMask();
      await expectNoLeakedTensors(() => {
        tf.dispose(groupedAttention(q, k, v, maskedSigmoid(mask), 2 * N * M));
        tf.dispose(
          tf.grads((a: tf.Tensor) =>
            tf.sum(groupedAttention(a as tf.Tensor4D, k, v, maskedSigmoid(mask), 2 * N * M)),
          )([q]),
        );
      });
      tf.dispose([q, k, v, mask]);
    });
  });
}
