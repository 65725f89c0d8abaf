import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { causalAllowed, causalMaskBias, keyAllowed, keyMaskBias } from '@tost/attention';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { fusedSoftmaxAttention } from './fused-attention.js';

/** The plain formula with tfjs autodiff (batched matMul with a transpose flag): the independent reference. */
function plainAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, bias?: tf.Tensor4D): tf.Tensor4D {
  let scores = tf.matMul(q, k, false, true);
  if (bias) scores = tf.add(scores, bias);
  return tf.matMul(tf.softmax(scores), v);
}

const [B, H, N, P] = [2, 3, 7, 4];
const input = (seed: number) => tf.randomNormal([B, H, N, P], 0, 1, 'float32', seed) as tf.Tensor4D;
/** A fixed upstream gradient (not all ones, so every output element is weighted differently). */
const weighting = () => tf.randomUniform([B, H, N, P], -1, 1, 'float32', 9) as tf.Tensor4D;

/** Each case: the reference's additive bias (−1e9 on masked keys, fine for these small scores) and the fused path's
 * bool mask of allowed keys. */
function biases(): Record<string, () => [tf.Tensor4D | undefined, tf.Tensor4D | undefined]> {
  const mask = () =>
    tf.tensor2d([
      [1, 1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1, 1],
    ]);
  return {
    none: () => [undefined, undefined],
    'key padding': () => [keyMaskBias(mask()), keyAllowed(mask())],
    causal: () => [causalMaskBias(N), causalAllowed(N)],
    // A different mask per (batch, head) slice, each row keeping its diagonal key.
    'per-head random': () => {
      const allowed = tf.logicalOr(
        tf.greater(tf.randomUniform([B, H, N, N], 0, 1, 'float32', 11), 0.5),
        tf.cast(tf.eye(N), 'bool'),
      ) as tf.Tensor4D;
      return [tf.where(allowed, tf.zeros([B, H, N, N]), tf.fill([B, H, N, N], -1e9)) as tf.Tensor4D, allowed];
    },
    'padding + causal': () => [
      tf.add(keyMaskBias(mask()), causalMaskBias(N)) as tf.Tensor4D,
      tf.logicalAnd(keyAllowed(mask()), causalAllowed(N)) as tf.Tensor4D,
    ],
  };
}

for (const backend of testBackends()) {
  describe(`fusedSoftmaxAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    // Group bounds (score elements per group; one slice has N·N = 49): the default (every slice in one group), one
    // slice a group, two heads of one batch element (3 heads: groups of 2 and 1), and one batch element (3 slices).
    const groupings: [string, number | undefined][] = [
      ['one group', undefined],
      ['one slice per group', 1],
      ['two heads per group', 2 * N * N],
      ['one batch element per group', 3 * N * N + 5],
    ];
    for (const [name, makeBias] of Object.entries(biases()))
      for (const [grouping, maxGroupScores] of groupings)
        it(`bias ${name}, ${grouping}: output and gradients to q, k, v match autodiff of the plain formula`, () => {
          tf.tidy(() => {
            const [q, k, v] = [input(1), input(2), input(3)];
            const [bias, allowed] = makeBias();
            const dy = weighting();
            const loss =
              (f: typeof plainAttention, m: tf.Tensor4D | undefined) =>
              (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
                tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, m), dy));
            expectClose(
              fusedSoftmaxAttention(q, k, v, allowed, maxGroupScores).dataSync(),
              plainAttention(q, k, v, bias).dataSync(),
              {
                rtol: 1e-4,
                atol: 1e-5,
                label: 'output',
              },
            );
            const grouped = (a: tf.Tensor4D, b: tf.Tensor4D, c: tf.Tensor4D, m?: tf.Tensor4D) =>
              fusedSoftmaxAttention(a, b, c, m, maxGroupScores);
            const fused = tf.grads(loss(grouped, allowed))([q, k, v]);
            const plain = tf.grads(loss(plainAttention, bias))([q, k, v]);
            ['dq', 'dk', 'dv'].forEach((label, i) =>
              expectClose(fused[i]!.dataSync(), plain[i]!.dataSync(), { rtol: 1e-3, atol: 1e-4, label }),
            );
          });
        });

    it('a one-element mask is a mask: [1, 1, 1, 1] false gives 0, true the value', () => {
      tf.tidy(() => {
        const [q, v] = [tf.ones([1, 1, 1, P]) as tf.Tensor4D, tf.fill([1, 1, 1, P], 3) as tf.Tensor4D];
        const blocked = fusedSoftmaxAttention(q, q, v, tf.zeros([1, 1, 1, 1], 'bool') as tf.Tensor4D);
        expect(Array.from(blocked.dataSync())).toEqual([0, 0, 0, 0]);
        const open = fusedSoftmaxAttention(q, q, v, tf.ones([1, 1, 1, 1], 'bool') as tf.Tensor4D);
        expect(Array.from(open.dataSync())).toEqual([3, 3, 3, 3]);
      });
    });

    it('rejects a mask that is not bool [B or 1, H or 1, N or 1, N], naming it and the shapes', () => {
      tf.tidy(() => {
        const q = input(1);
        for (const shape of [
          [4, 1, 1, N],
          [1, 2, 1, N],
          [1, 1, 1, N + 1],
          [1, 1, N],
        ]) {
          const mask: tf.Tensor = tf.ones(shape, 'bool');
          expect(() => fusedSoftmaxAttention(q, q, q, mask as tf.Tensor4D)).toThrow(
            new RegExp(
              `argument 'allowed' must be a bool mask of shape \\[2 or 1, 3 or 1, 7 or 1, 7\\] .*got bool \\[${shape.join(', ')}\\]`,
            ),
          );
        }
        expect(() => fusedSoftmaxAttention(q, q, q, tf.ones([1, 1, 1, N]) as tf.Tensor4D)).toThrow(
          /got float32 \[1, 1, 1, 7\]/,
        );
      });
    });

    it('rejects a bound on the group size that is not a positive number, naming it', () => {
      const q = input(1);
      for (const bad of [0, -1, Number.NaN]) {
        expect(() => fusedSoftmaxAttention(q, q, q, undefined, bad)).toThrow(
          /argument 'maxGroupScores' must be a positive number, got /,
        );
      }
      q.dispose();
    });

    it('masks exactly: NaN or huge scores at disallowed keys get weight 0; a row with no key gives 0', () => {
      tf.tidy(() => {
        const [q, k, v] = [input(1), input(2), input(3)];
        const allowed = causalAllowed(N);
        const clean = fusedSoftmaxAttention(q, k, v, allowed);
        // Poison the last key: only the last query may see it (values: scaledDotProductAttention zeroes non-finite).
        const last = tf.concat([tf.zeros([B, H, N - 1, P]), tf.ones([B, H, 1, P])], 2);
        const isLast = tf.cast(last, 'bool');
        for (const poison of [Number.NaN, 1e30]) {
          const k2 = tf.where(isLast, tf.fill([B, H, N, P], poison), k) as tf.Tensor4D;
          const y = fusedSoftmaxAttention(q, k2, v, allowed);
          expectClose(
            tf.slice(y, [0, 0, 0, 0], [B, H, N - 1, P]).dataSync(),
            tf.slice(clean, [0, 0, 0, 0], [B, H, N - 1, P]).dataSync(),
            { rtol: 1e-6, atol: 1e-6, label: `rows before the poisoned key (${poison})` },
          );
        }
        const none = tf.zeros([1, 1, 1, N], 'bool') as tf.Tensor4D;
        expect(Array.from(fusedSoftmaxAttention(q, k, v, none).dataSync()).every((x) => x === 0)).toBe(true);
      });
    });

    it('the same tensor as key and value (as MSSA uses it) gets the summed gradient', () => {
      tf.tidy(() => {
        const [q, w] = [input(4), input(5)];
        const f = (impl: typeof plainAttention) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(impl(a as tf.Tensor4D, b as tf.Tensor4D, b as tf.Tensor4D)));
        const fused = tf.grads(f((a, b, c) => fusedSoftmaxAttention(a, b, c)))([q, w]);
        const plain = tf.grads(f(plainAttention))([q, w]);
        expectClose(fused[1]!.dataSync(), plain[1]!.dataSync(), { rtol: 1e-3, atol: 1e-4, label: 'dw' });
      });
    });

    it('leaks no tensors, forward or backward', async () => {
      const [q, k, v] = [input(1), input(2), input(3)];
      await expectNoLeakedTensors(() => {
        tf.dispose(fusedSoftmaxAttention(q, k, v));
        tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(fusedSoftmaxAttention(a as tf.Tensor4D, k, v)))([q]));
        const padding = tf.tidy(() =>
          keyAllowed(
            tf.tensor2d([
              [1, 1, 1, 1, 1, 0, 0],
              [1, 1, 1, 1, 1, 1, 1],
            ]),
          ),
        );
        tf.dispose(
          tf.grads((a: tf.Tensor) =>
            tf.sum(fusedSoftmaxAttention(a as tf.Tensor4D, k, v, padding, 2 * N * N)),
          )([q]),
        );
        padding.dispose();
      });
      tf.dispose([q, k, v]);
    });
  });
}

describe('fusedSoftmaxAttention rows sum', () => {
  it('with v = ones every output is 1 (each softmax row sums to 1)', async () => {
    await initBackend('cpu');
    tf.tidy(() => {
      const y = fusedSoftmaxAttention(input(1), input(2), tf.ones([B, H, N, P]) as tf.Tensor4D);
      expect(Math.max(...Array.from(y.dataSync(), (x) => Math.abs(x - 1)))).toBeLessThan(1e-6);
    });
  });
});
