import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { matMul2d, batchMatMul } from './fast-matmul.js';

for (const backend of testBackends()) {
  describe(`fast matMul helpers on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('matMul2d equals tf.matMul for every transpose combination, values and gradients', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const a = tf.randomNormal([5, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
          const b = tf.randomNormal([3, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
          for (const [ta, tb] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ] as const) {
            const A = ta ? tf.transpose(a) : a;
            const B = tb ? tf.transpose(b) : b;
            const probe = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
            expectClose(matMul2d(A, B, ta, tb).dataSync(), tf.matMul(A, B, ta, tb).dataSync(), {
              rtol: 1e-5,
              label: `value ${ta} ${tb}`,
            });
            const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
              tf.sum(tf.mul(matMul2d(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb), probe)),
            )([A, B]);
            const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
              tf.sum(tf.mul(tf.matMul(x, y, ta, tb), probe)),
            )([A, B]);
            ours.forEach((g, i) =>
              expectClose(g.dataSync(), theirs[i]!.dataSync(), {
                rtol: 1e-5,
                atol: 1e-6,
                label: `grad ${i} ${ta} ${tb}`,
              }),
            );
          }
        });
      });
    });

    it('batchMatMul equals tf.matMul over leading axes, values and gradients', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const a = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 4);
          const b = tf.randomNormal([2, 3, 6, 5], 0, 1, 'float32', 5);
          const probe = tf.randomNormal([2, 3, 4, 6], 0, 1, 'float32', 6);
          expectClose(batchMatMul(a, b, false, true).dataSync(), tf.matMul(a, b, false, true).dataSync(), {
            rtol: 1e-5,
            label: 'value',
          });
          const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
            tf.sum(tf.mul(batchMatMul(x, y, false, true), probe)),
          )([a, b]);
          const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(x, y, false, true), probe)),
          )([a, b]);
          ours.forEach((g, i) =>
            expectClose(g.dataSync(), theirs[i]!.dataSync(), { rtol: 1e-5, atol: 1e-6, label: `grad ${i}` }),
          );
        });
      });
    });

    it('batchMatMul rejects mismatched ranks and leading axes', () => {
      const a = tf.zeros([2, 3, 4]);
      const b = tf.zeros([3, 4, 5]);
      expect(() => batchMatMul(a, tf.zeros([4, 5]) as tf.Tensor)).toThrow(/same rank ≥ 3/);
      expect(() => batchMatMul(a, b)).toThrow(/leading axes differ/);
      tf.dispose([a, b]);
    });
  });
}
