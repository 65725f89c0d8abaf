import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { runScalingBenchmark } from './run.js';
import { attentionMatMulFlops } from './workloads.js';

/** A tiny end-to-end run on the cpu backend: shapes and bookkeeping only, never timings. */
describe('runScalingBenchmark (tiny lengths)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  for (const mode of ['train', 'forward'] as const) {
    it(`${mode}: measures every series at every length, fits slopes, computes headlines, leaks nothing`, async () => {
      const before = tf.memory().numTensors;
      const result = await runScalingBenchmark({
        mode,
        attentions: ['tssa', 'causal-tssa', 'softmax'],
        lengths: [16, 8],
        dim: 8,
        heads: 2,
        batch: 1,
        warmup: 0,
        repeats: 2,
        timeLimitSeconds: 600,
        memoryLimitBytes: 2 ** 30,
        decodePositions: [4, 2],
        log: (line) => {
          if (line.includes('warning')) console.log(line);
        },
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.format).toBe('tost-scaling-1');
      expect(result.settings.lengths).toEqual([8, 16]);
      expect(result.series.map((s) => s.name)).toEqual([
        'tssa',
        'causal-tssa',
        'softmax',
        'projections',
        'softmax-core',
        'matmul-core',
      ]);
      for (const s of result.series) {
        expect(s.lengths.map((o) => [o.length, o.status])).toEqual([
          [8, 'ok'],
          [16, 'ok'],
        ]);
        for (const o of s.lengths) {
          expect(o.measurement!.time.samples).toHaveLength(2);
          expect(o.measurement!.peakBytes).toBeGreaterThanOrEqual(o.measurement!.baselineBytes);
        }
        expect(s.timeSlope?.points).toBe(2);
      }
      // Softmax's step allocates the [N, N] scores: more than TSSA's at the same length.
      const peak = (name: string) =>
        result.series.find((s) => s.name === name)!.lengths[1]!.measurement!.peakStepBytes;
      expect(peak('softmax-core')).toBeGreaterThan(0);
      expect(result.decodingError).toBeUndefined();
      // Seven steps are timed at position 2 (2 warm-up + 5), so the second timing starts at 9, not 4.
      expect(result.decoding!.map((d) => d.position)).toEqual([2, 9]);
      expect(result.decoding![0]!.speedup).toBeGreaterThan(0);
      expect(result.series.find((s) => s.name === 'matmul-core')!.lengths[1]!.measurement!.flops).toBe(
        attentionMatMulFlops({ dim: 8, heads: 2, batch: 1, mode }, 16),
      );
      const labels = result.headlines.map((h) => h.label);
      expect(labels.some((l) => l.includes('time slope'))).toBe(true);
      expect(labels.some((l) => l.includes('streaming vs re-running the prefix'))).toBe(true);
      // 4,096 was not among the lengths: the comparison says so instead of claiming a verdict.
      const at4096 = result.headlines.find((h) => h.label.includes('projections alone at 4,096'))!;
      expect(at4096).toMatchObject({ met: null });
    });
  }

  it('rejects a dim that the heads do not divide, naming both', async () => {
    await expect(
      runScalingBenchmark({
        mode: 'forward',
        attentions: ['tssa'],
        lengths: [8],
        dim: 10,
        heads: 4,
        batch: 1,
        warmup: 0,
        repeats: 1,
        timeLimitSeconds: 60,
        memoryLimitBytes: 2 ** 30,
        decodePositions: [],
      }),
    ).rejects.toThrow(/--dim \(10\) must be divisible by --heads \(4\)/);
  });

  it('FLOPs of the two attention matMuls: 4·B·H·N²·p forward, three times that for a train step', () => {
    expect(attentionMatMulFlops({ dim: 8, heads: 2, batch: 3, mode: 'forward' }, 10)).toBe(
      4 * 3 * 2 * 100 * 4,
    );
    expect(attentionMatMulFlops({ dim: 8, heads: 2, batch: 3, mode: 'train' }, 10)).toBe(
      3 * 4 * 3 * 2 * 100 * 4,
    );
  });
});
