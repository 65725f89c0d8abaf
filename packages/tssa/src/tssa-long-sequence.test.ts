import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { TSSA } from './index.js';

// A long sequence through the real layer on the default backend: the custom gradient must keep memory and work
// linear in N (an [N, N] matrix at 16,384 tokens would need 1 GiB per head). No timing assertions here.
describe('TSSA at 16,384 tokens on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('runs forward + backward (dim 256, heads 4, batch 1) with finite results and no leaked tensors', async () => {
    const [seq, dim, heads] = [16_384, 256, 4];
    const layer = new TSSA({ dim, heads });
    layer.build([null, null, dim]);
    const x = tf.randomNormal([1, seq, dim], 0, 1, 'float32', 1);
    const mask = tf.concat([tf.ones([1, seq - 100]), tf.zeros([1, 100])], 1);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    await expectNoLeakedTensors(() => {
      const { value, grads } = tf.variableGrads(() => {
        const y = layer.apply(x, { mask, training: true }) as tf.Tensor;
        expect(y.shape).toEqual([1, seq, dim]);
        const finite = tf.all(tf.isFinite(y)).dataSync()[0];
        expect(finite, 'output is finite').toBe(1);
        return tf.mean(tf.square(y)) as tf.Scalar;
      }, vars);
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      expect(Object.keys(grads)).toHaveLength(vars.length);
      for (const v of vars) {
        const finite = tf.tidy(() => tf.all(tf.isFinite(grads[v.name]!)).dataSync()[0]);
        expect(finite, `gradient of ${v.name} is finite`).toBe(1);
      }
      tf.dispose([value, ...Object.values(grads)]);
    }, 'forward + backward at 16k tokens');
    tf.dispose([x, mask]);
  });
});
