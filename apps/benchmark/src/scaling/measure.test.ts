import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { peakTensorBytes, perLayer } from './measure.js';

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

describe('perLayer', () => {
  const m = {
    time: { median: 10, min: 8, max: 14, q1: 9, q3: 12, samples: [8, 10, 14] },
    medianMs: 10,
    longestRunMs: 14,
    baselineBytes: 1000,
    peakBytes: 3000,
    peakStepBytes: 2000,
    wasmHeapBytes: 65536,
    peakStepBufferBytes: 1800,
    flops: 400,
  };

  it("divides every time, byte and FLOP count by the step's layers; the process's heap size stays", () => {
    expect(perLayer(m, 2)).toEqual({
      time: { median: 5, min: 4, max: 7, q1: 4.5, q3: 6, samples: [4, 5, 7] },
      medianMs: 5,
      longestRunMs: 7,
      baselineBytes: 500,
      peakBytes: 1500,
      peakStepBytes: 1000,
      wasmHeapBytes: 65536,
      peakStepBufferBytes: 900,
      flops: 200,
    });
  });

  it('leaves a one-layer measurement as it is', () => {
    expect(perLayer(m, 1)).toBe(m);
  });
});
