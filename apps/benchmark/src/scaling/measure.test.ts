import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { peakTensorBytes } from './measure.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('peakTensorBytes', () => {
  it('reports the peak live bytes of a step, including a freed intermediate, and stops profiling', async () => {
    const { baselineBytes, peakBytes } = await peakTensorBytes(() =>
      tf.tidy(() => {
        const big = tf.ones([1000]); // 4,000 bytes, freed by the tidy
        return tf.sum(big);
      }),
    );
    expect(peakBytes - baselineBytes).toBeGreaterThanOrEqual(4000);
    expect(peakBytes - baselineBytes).toBeLessThan(4000 + 64);
    expect((tf.engine() as unknown as { state: { profiling: boolean } }).state.profiling).toBe(false);
    expect(tf.memory().numBytes).toBe(baselineBytes);
  });

  it('a step that runs no kernel reports the baseline', async () => {
    const x = tf.scalar(1);
    const r = await peakTensorBytes(() => [] as tf.Tensor[]);
    expect(r.peakBytes).toBe(r.baselineBytes);
    x.dispose();
  });
});
