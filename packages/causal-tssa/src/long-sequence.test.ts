import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { CausalTSSA } from './index.js';

describe('CausalTSSA on a 16,384-token sequence (wasm)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('runs forward and backward to completion with finite values and no leaked tensors', async () => {
    const [seq, dim, heads] = [16_384, 256, 4];
    const layer = new CausalTSSA({ dim, heads, maxLength: seq, useBias: true });
    layer.build([null, null, dim]);
    const x = tf.randomNormal([1, seq, dim], 0, 1, 'float32', 80);
    const probe = tf.randomNormal([1, seq, dim], 0, 1, 'float32', 81);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const run = () =>
      tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, probe)) as tf.Scalar, vars);
    // Warm-up on a short prefix: kernels and backend caches are created once and are not leaks.
    tf.tidy(() => {
      const short = tf.variableGrads(
        () => tf.sum(layer.apply(tf.slice(x, [0, 0, 0], [1, 8, dim])) as tf.Tensor) as tf.Scalar,
        vars,
      );
      return [short.value, ...Object.values(short.grads)];
    }).forEach((t) => t.dispose());
    await expectNoLeakedTensors(async () => {
      const { value, grads } = run();
      expect(Number.isFinite((await value.data())[0]!)).toBe(true);
      for (const v of vars) {
        const g = await grads[v.name]!.data();
        expect(g.every(Number.isFinite), `gradient of ${v.name} is finite`).toBe(true);
      }
      // The last β row is reached only by the last token: a non-zero gradient there shows the whole sequence ran.
      const dBeta = grads[vars[3]!.name]!;
      const lastRow = tf.slice(dBeta, [0, seq - 1, 0], [heads, 1, 1]);
      expect(Math.max(...Array.from(await lastRow.data(), Math.abs))).toBeGreaterThan(0);
      lastRow.dispose();
      tf.dispose([value, ...Object.values(grads)]);
    }, 'forward + backward');
    tf.dispose([x, probe]);
    layer.weights.forEach((w) => w.dispose());
  });
});
