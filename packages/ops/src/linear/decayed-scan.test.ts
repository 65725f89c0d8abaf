import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors, maxRelativeError, testBackends } from '@tost/vitest-config';
import { decayedScan } from './decayed-scan.js';

/** T_j = λ_j·T_{j∓1} + U_j by a plain loop over j, in float64, for u [n, F] and λ [n] (one sample and head). */
function loopScan(
  u: Float32Array,
  lambda: Float32Array,
  n: number,
  width: number,
  initial: Float32Array,
  reverse: boolean,
) {
  const out = new Float64Array(n * width);
  let previous = Float64Array.from(initial);
  for (let step = 0; step < n; step++) {
    const j = reverse ? n - 1 - step : step;
    for (let x = 0; x < width; x++) out[j * width + x] = lambda[j]! * previous[x]! + u[j * width + x]!;
    previous = out.slice(j * width, (j + 1) * width);
  }
  return out;
}

for (const backend of testBackends()) {
  describe(`decayedScan on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it.each([false, true])('equals the recurrence run token by token (reverse: %s)', async (reverse) => {
      const [n, width] = [37, 5];
      const u = tf.randomNormal([1, 1, n, width], 0, 1, 'float32', 3);
      const lambda = tf.randomUniform([1, 1, n, 1], 0.5, 1, 'float32', 4);
      const initial = tf.randomNormal([1, 1, 1, width], 0, 1, 'float32', 5);
      const expected = loopScan(
        u.dataSync() as Float32Array,
        lambda.dataSync() as Float32Array,
        n,
        width,
        initial.dataSync() as Float32Array,
        reverse,
      );
      await expectNoLeakedTensors(() => {
        const got = decayedScan(u, lambda, initial, reverse);
        expect(maxRelativeError(got.dataSync(), expected)).toBeLessThan(1e-5);
        got.dispose();
      });
      tf.dispose([u, lambda, initial]);
    });

    it.each([false, true])(
      'equals the recurrence across blocks of blocks, λ shared by the batch (reverse: %s)',
      async (reverse) => {
        // 1,000 chunks: 63 blocks of 16 (the last one padded), whose totals are scanned in 4 blocks again.
        const [batch, heads, n, width] = [2, 2, 1000, 3];
        const u = tf.randomNormal([batch, heads, n, width], 0, 1, 'float32', 8);
        const lambda = tf.randomUniform([1, heads, n, 1], 0.9, 1, 'float32', 9);
        const initial = tf.randomNormal([batch, heads, 1, width], 0, 1, 'float32', 10);
        const [uv, lv, iv] = [u, lambda, initial].map((t) => t.dataSync() as Float32Array) as [
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        await expectNoLeakedTensors(() => {
          const result = decayedScan(u, lambda, initial, reverse);
          const got = result.dataSync();
          result.dispose();
          for (let b = 0; b < batch; b++) {
            for (let h = 0; h < heads; h++) {
              const sequence = (b * heads + h) * n * width;
              const expected = loopScan(
                uv.subarray(sequence, sequence + n * width),
                lv.subarray(h * n, (h + 1) * n),
                n,
                width,
                iv.subarray((b * heads + h) * width, (b * heads + h + 1) * width),
                reverse,
              );
              const error = maxRelativeError(got.subarray(sequence, sequence + n * width), expected);
              expect(error, `sample ${b} head ${h}`).toBeLessThan(1e-5);
            }
          }
        });
        tf.dispose([u, lambda, initial]);
      },
    );

    it('keeps a few [B, H, n, F] tensors alive at a time, not one per round', async () => {
      // 1,024 chunks: 10 rounds. Keeping every round's T (and its shifted copy and product) until the end held ~40
      // such tensors at once.
      const [n, width] = [1024, 256];
      const u = tf.randomNormal([1, 1, n, width], 0, 1, 'float32', 6);
      const lambda = tf.randomUniform([1, 1, n, 1], 0.5, 1, 'float32', 7);
      const size = n * width * 4;
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => decayedScan(u, lambda));
      expect((info.peakBytes - before) / size).toBeLessThan(10); // measured 7.0 (59 before)
      tf.dispose([u, lambda, info.result as tf.Tensor]);
    });
  });
}
