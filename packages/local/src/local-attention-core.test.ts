import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// Gradients of the plain ops used by the reference (tfjs-layers registers them too; this test imports no layer).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { localAttention } from './local-attention-core.js';
import { localAttentionReference } from './local-reference.js';
import { planBlocks } from './sliding-window.js';

const [B, H, P] = [2, 2, 4];
const input = (n: number, seed: number) =>
  tf.randomNormal([B, H, n, P], 0, 1, 'float32', seed) as tf.Tensor4D;
/** Sample 0: a padded token in the middle and the last three (plus the first when `padFirst`); sample 1: all real. */
function keyMask(n: number, padFirst = false): tf.Tensor2D {
  const first = [...Array(n)].map((_, i) => ((padFirst && i === 0) || i === 5 || i >= n - 3 ? 0 : 1));
  return tf.tensor2d([first, Array(n).fill(1) as number[]]);
}

// (seq, window, dilation): one block (L ≤ w), several blocks (tiny windows get blocks of 16), dilation with a
// sequence length that is not a multiple of d, a window larger than the minimum block, a window of zero reach.
const shapes: [number, number, number][] = [
  [10, 64, 1],
  [50, 4, 1],
  [50, 1, 3],
  [61, 20, 1],
  [45, 3, 2],
  [9, 2, 5],
];

for (const backend of testBackends()) {
  describe(`localAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const [seq, window, dilation] of shapes) {
      for (const causal of [false, true]) {
        it(`N ${seq}, window ${window}, dilation ${dilation}${causal ? ', causal' : ''}: output and gradients match the O(N²) reference`, () => {
          tf.tidy(() => {
            const [q, k, v] = [input(seq, 1), input(seq, 2), input(seq, 3)];
            const options = { window, dilation, causal, keyMask: keyMask(seq) };
            const dy = tf.randomUniform([B, H, seq, P], -1, 1, 'float32', 9);
            const loss = (f: typeof localAttention) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, options), dy));
            const y = localAttention(q, k, v, options);
            expectClose(y.dataSync(), localAttentionReference(q, k, v, options).dataSync(), {
              rtol: 1e-5,
              atol: 1e-6,
              label: 'output',
            });
            const blocked = tf.grads(loss(localAttention))([q, k, v]);
            const plain = tf.grads(loss(localAttentionReference))([q, k, v]);
            ['dq', 'dk', 'dv'].forEach((label, i) =>
              expectClose(blocked[i]!.dataSync(), plain[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5, label }),
            );
          });
        });
      }
    }

    it('scale: equal to the core on scale·q, gradients included', () => {
      tf.tidy(() => {
        const [q, k, v] = [input(40, 1), input(40, 2), input(40, 3)];
        const options = { window: 5, dilation: 2, causal: true, keyMask: keyMask(40) };
        const dy = tf.randomUniform([B, H, 40, P], -1, 1, 'float32', 9);
        const scaled = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(
            tf.mul(
              localAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, {
                ...options,
                scale: 0.37,
              }),
              dy,
            ),
          );
        const reference = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(
            tf.mul(
              localAttentionReference(
                tf.mul(a, 0.37) as tf.Tensor4D,
                b as tf.Tensor4D,
                c as tf.Tensor4D,
                options,
              ),
              dy,
            ),
          );
        const [got, want] = [tf.grads(scaled)([q, k, v]), tf.grads(reference)([q, k, v])];
        ['dq', 'dk', 'dv'].forEach((label, i) =>
          expectClose(got[i]!.dataSync(), want[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5, label }),
        );
        expectClose(scaled(q, k, v).dataSync(), reference(q, k, v).dataSync(), {
          rtol: 1e-5,
          atol: 1e-5,
          label: 'loss',
        });
      });
    });

    it('causal: NaN and ±Infinity in future keys and values change nothing earlier, outputs or gradients', () => {
      tf.tidy(() => {
        const [q, k, v] = [input(40, 1), input(40, 2), input(40, 3)];
        // Positions 30… of every head hold NaN / ±Infinity in k and v.
        const future = tf.reshape(tf.greaterEqual(tf.range(0, 40), 30), [1, 1, 40, 1]);
        const poison = (t: tf.Tensor4D, value: number) =>
          tf.where(tf.broadcastTo(future, t.shape), tf.fill(t.shape, value), t) as tf.Tensor4D;
        const options = { window: 6, dilation: 2, causal: true };
        const early = (t: tf.Tensor) => tf.slice(t, [0, 0, 0, 0], [B, H, 30, P]).dataSync();
        const loss =
          (f: (a: tf.Tensor4D, b: tf.Tensor4D, c: tf.Tensor4D) => tf.Tensor4D) =>
          (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.sum(
              tf.slice(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), [0, 0, 0, 0], [B, H, 30, P]),
            );
        const clean = localAttention(q, k, v, options);
        const cleanGrads = tf.grads(loss((a, b, c) => localAttention(a, b, c, options)))([q, k, v]);
        const [kBad, vBad] = [poison(k, Number.NaN), poison(v, Number.POSITIVE_INFINITY)];
        expectClose(early(localAttention(q, kBad, vBad, options)), early(clean), {
          rtol: 0,
          atol: 0,
          label: 'outputs',
        });
        const grads = tf.grads(loss((a, b, c) => localAttention(a, b, c, options)))([q, kBad, vBad]);
        ['dq', 'dk', 'dv'].forEach((label, i) =>
          expectClose(early(grads[i]!), early(cleanGrads[i]!), { rtol: 1e-6, atol: 1e-7, label }),
        );
        for (const g of grads) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      });
    });

    it('gives 0 and finite gradients to a query with no key at all', () => {
      tf.tidy(() => {
        const [q, k, v] = [input(30, 1), input(30, 2), input(30, 3)];
        // Sample 0's first token is padded: the causal query 0 sees no key.
        const options = { window: 4, dilation: 1, causal: true, keyMask: keyMask(30, true) };
        const y = localAttention(q, k, v, options);
        expect(Array.from(tf.slice(y, [0, 0, 0, 0], [1, H, 1, P]).dataSync())).toEqual(Array(H * P).fill(0));
        expectClose(
          tf.slice(y, [0, 0, 1, 0], [B, H, 29, P]).dataSync(),
          tf.slice(localAttentionReference(q, k, v, options), [0, 0, 1, 0], [B, H, 29, P]).dataSync(),
          { rtol: 1e-5, atol: 1e-6, label: 'the other queries' },
        );
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(localAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, options)),
        )([q, k, v]);
        for (const g of grads) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      });
    });

    it('leaks no tensors forward or backward', async () => {
      const [q, k, v] = [input(50, 1), input(50, 2), input(50, 3)];
      const mask = keyMask(50);
      await expectNoLeakedTensors(() => {
        tf.dispose(localAttention(q, k, v, { window: 4, dilation: 2, keyMask: mask, causal: true }));
        tf.dispose(
          tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.sum(
              localAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, {
                window: 4,
                dilation: 1,
              }),
            ),
          )([q, k, v]),
        );
      });
      tf.dispose([q, k, v, mask]);
    });
  });
}

describe('planBlocks', () => {
  it('uses blocks of at least the window, so the neighbouring blocks hold every key in reach', () => {
    expect(planBlocks(10, 64, false)).toEqual({ size: 10, blocks: 1, reach: 0, keys: 10 });
    expect(planBlocks(4096, 64, false)).toEqual({ size: 64, blocks: 64, reach: 1, keys: 192 });
    expect(planBlocks(4096, 64, true)).toEqual({ size: 64, blocks: 64, reach: 1, keys: 128 });
    expect(planBlocks(50, 4, false)).toEqual({ size: 16, blocks: 4, reach: 1, keys: 48 });
  });
});
