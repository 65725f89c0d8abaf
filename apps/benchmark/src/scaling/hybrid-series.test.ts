import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { runScalingBenchmark, type ScalingRunOptions } from './run.js';

/** Tiny settings on the cpu backend: bookkeeping only, never timings. */
const tiny: Omit<ScalingRunOptions, 'attentions' | 'mode'> = {
  lengths: [8, 16],
  dim: 8,
  heads: 2,
  batch: 1,
  warmup: 0,
  repeats: 1,
  timeLimitSeconds: 600,
  memoryLimitBytes: 2 ** 30,
  decodePositions: [2],
};

describe('a hybrid a+b in the scaling sweep (and so in compare and smoke)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is the two-block hybrid attention (a then b), reported per layer', async () => {
    const before = tf.memory().numTensors;
    const result = await runScalingBenchmark({
      ...tiny,
      mode: 'forward',
      attentions: ['tssa+softmax', 'tssa', 'softmax'],
      projections: false,
      softmaxCore: false,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.series.map((s) => s.name)).toEqual(['tssa+softmax', 'tssa', 'softmax']);
    const [hybrid, tssa, softmax] = result.series;
    expect(hybrid!.description).toBe(
      'tssa+softmax: the attention of the 2-block hybrid (tssa, then softmax; quadratic), per layer',
    );
    for (const [i, length] of tiny.lengths.entries()) {
      const baseline = (s: typeof hybrid) => s!.lengths[i]!.measurement!.baselineBytes;
      // Live before each step: one layer's weights and the input tokens (and the hybrid: both layers' weights),
      // so per layer the hybrid holds (tssa + softmax weights + input) / 2.
      const input = 4 * tiny.batch * length * tiny.dim;
      expect(2 * baseline(hybrid)).toBe(baseline(tssa) + baseline(softmax) - input);
    }
  });

  it("reference series follow the hybrid's parts; streaming decoding is compared for single layers only", async () => {
    const result = await runScalingBenchmark({
      ...tiny,
      mode: 'train',
      attentions: ['causal-tssa+softmax-causal'],
    });
    // The parts are linear (causal TSSA) and of the softmax family: projections and both softmax references run.
    expect(result.series.map((s) => s.name)).toEqual([
      'causal-tssa+softmax-causal',
      'projections',
      'softmax-core',
      'matmul-core',
    ]);
    expect(result.series[0]!.lengths.map((o) => o.status)).toEqual(['ok', 'ok']);
    expect(result.decoding).toBeUndefined();
  });
});
