import { summariseSamples } from './statistics.js';
import type { ScalingResult, SeriesResult } from './scaling-result.js';

/**
 * A made-up ScalingResult with exact power laws (linear TSSA, quadratic softmax that runs out of memory at the
 * largest length): for tests of the report, chart and page generators, which must not depend on a real run.
 */
export function syntheticScalingResult(lengths = [256, 512, 1024, 2048, 4096]): ScalingResult {
  const make = (name: string, timeExp: number, memExp: number, oomFrom = Infinity): SeriesResult => ({
    name,
    kind: 'attention',
    description: `synthetic ${name}`,
    lengths: lengths.map((length) =>
      length >= oomFrom
        ? { length, status: 'out-of-memory', predicted: true, message: 'predicted' }
        : {
            length,
            status: 'ok',
            measurement: {
              time: summariseSamples([0.9, 1, 1.2].map((f) => f * 1e-3 * length ** timeExp)),
              medianMs: 1e-3 * length ** timeExp,
              longestRunMs: 1.2e-3 * length ** timeExp,
              baselineBytes: 1000,
              peakBytes: 1000 + 64 * length ** memExp,
              peakStepBytes: 64 * length ** memExp,
            },
          },
    ),
  });
  return {
    format: 'tost-scaling-1',
    settings: {
      mode: 'train',
      attentions: ['tssa', 'softmax'],
      lengths,
      dim: 16,
      heads: 4,
      batch: 1,
      warmup: 1,
      repeats: 3,
      timeLimitSeconds: 60,
      memoryLimitBytes: 2 ** 30,
      decodePositions: [],
    },
    environment: {
      backend: 'synthetic',
      versions: { node: 'v20', tfjsCore: '4.22.0' },
      cpuModel: 'test cpu',
      cpuCount: 2,
      totalMemoryBytes: 2 ** 33,
      platform: 'test',
      loadAverageStart: 0.5,
      loadAverageEnd: 0.6,
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
    },
    series: [make('tssa', 1, 1), make('softmax', 2, 2, Math.min(4096, lengths.at(-1)!))],
    headlines: [{ label: 'synthetic target <&>', measured: '1.00', target: '≤ 1.1', met: true }],
  };
}
