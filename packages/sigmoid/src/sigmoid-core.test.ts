import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// Gradients of the plain ops used by the reference (tfjs-layers registers them too; this test imports no layer).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { sigmoidAttention } from './sigmoid-core.js';
import { sigmoidAttentionReference } from './sigmoid-reference.js';

const [B, H, N, P] = [2, 3, 7, 4];
const input = (seed: number) => tf.randomNormal([B, H, N, P], 0, 1, 'float32', seed) as tf.Tensor4D;
/** A fixed upstream gradient (not all ones, so every output element is weighted differently). */
const weighting = () => tf.randomUniform([B, H, N, P], -1, 1, 'float32', 9) as tf.Tensor4D;
const keyMask = () =>
  tf.tensor2d([
    [1, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 1, 1],
  ]);

const cases: Record<string, { masked: boolean; causal: boolean }> = {
  none: { masked: false, causal: false },
  'key padding': { masked: true, causal: false },
  causal: { masked: false, causal: true },
  'padding + causal': { masked: true, causal: true },
};

for (const backend of testBackends()) {
  describe(`sigmoidAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    // Group bounds (score elements; one slice has N·N = 49): every slice in one group (the default), one slice a
    // group, two heads of one sample (3 heads: groups of 2 and 1), one sample per group.
    const groupings: [string, number | undefined][] = [
      ['one group', undefined],
      ['one slice per group', 1],
      ['two heads per group', 2 * N * N],
      ['one sample per group', 3 * N * N + 5],
    ];
    for (const [name, { masked, causal }] of Object.entries(cases))
      for (const [grouping, maxGroupElements] of groupings)
        it(`${name}, ${grouping}: output and gradients to q, k, v match autodiff of the plain formula`, () => {
          tf.tidy(() => {
            const [q, k, v] = [input(1), input(2), input(3)];
            const options = {
              bias: tf.tensor1d([-Math.log(5), -0.3]),
              keyMask: masked ? keyMask() : undefined,
              causal,
              ...(maxGroupElements ? { maxGroupElements } : {}),
            };
            const dy = weighting();
            const loss = (f: typeof sigmoidAttention) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, options), dy));
            expectClose(
              sigmoidAttention(q, k, v, options).dataSync(),
              sigmoidAttentionReference(q, k, v, options).dataSync(),
              { rtol: 1e-5, atol: 1e-6, label: 'output' },
            );
            const fused = tf.grads(loss(sigmoidAttention))([q, k, v]);
            const plain = tf.grads(loss(sigmoidAttentionReference))([q, k, v]);
            ['dq', 'dk', 'dv'].forEach((label, i) =>
              expectClose(fused[i]!.dataSync(), plain[i]!.dataSync(), { rtol: 1e-4, atol: 1e-5, label }),
            );
          });
        });

    it('masks exactly: NaN, Infinity or huge scores at disallowed keys leave the other outputs unchanged', () => {
      tf.tidy(() => {
        const [q, k, v] = [input(1), input(2), input(3)];
        const options = {
          bias: tf.tensor1d([-1, -2]),
          keyMask: keyMask(),
          causal: true,
          maxGroupElements: 2 * N * N,
        };
        const clean = sigmoidAttention(q, k, v, options);
        // Poison key 5, padding in sample 0 and a future key for queries < 5 in sample 1.
        const at5 = tf.cast(
          tf.concat([tf.zeros([B, H, 5, P]), tf.ones([B, H, 1, P]), tf.zeros([B, H, 1, P])], 2),
          'bool',
        );
        for (const poison of [Number.NaN, Number.POSITIVE_INFINITY, 1e30]) {
          const y = sigmoidAttention(
            q,
            tf.where(at5, tf.fill([B, H, N, P], poison), k) as tf.Tensor4D,
            v,
            options,
          );
          // Sample 0: every output; sample 1: the queries before key 5.
          for (const [begin, size] of [
            [
              [0, 0, 0, 0],
              [1, H, N, P],
            ],
            [
              [1, 0, 0, 0],
              [1, H, 5, P],
            ],
          ] as [number[], number[]][]) {
            expectClose(tf.slice(y, begin, size).dataSync(), tf.slice(clean, begin, size).dataSync(), {
              rtol: 1e-6,
              atol: 1e-7,
              label: `outputs that do not see key 5 (${poison})`,
            });
          }
        }
      });
    });

    it('rejects a group bound that is not a positive number, naming the option', () => {
      tf.tidy(() => {
        const q = input(1);
        expect(() =>
          sigmoidAttention(q, q, q, { bias: tf.zeros([B]) as tf.Tensor1D, maxGroupElements: 0 }),
        ).toThrow("sigmoidAttention: option 'maxGroupElements' must be a positive number, got 0");
      });
    });

    it('leaks no tensors forward or backward', async () => {
      const [q, k, v, dy] = [input(1), input(2), input(3), weighting()];
      const bias = tf.tensor1d([-1, -2]);
      const mask = keyMask();
      await expectNoLeakedTensors(() => {
        tf.dispose(sigmoidAttention(q, k, v, { bias, keyMask: mask, causal: true }));
        tf.dispose(
          sigmoidAttention(q, k, v, { bias, keyMask: mask, causal: true, maxGroupElements: 2 * N * N }),
        );
        tf.dispose(
          tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.sum(
              tf.mul(sigmoidAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, { bias }), dy),
            ),
          )([q, k, v]),
        );
      });
      tf.dispose([q, k, v, dy, bias, mask]);
    });
  });
}
