import { describe, expect, it } from 'vitest';
import { summariseSamples } from '../scaling/statistics.js';
import type { SeriesResult } from '../scaling/scaling-result.js';
import { estimateRemainingSeconds, formatCompareProgress, type PlannedCell } from './compare-progress.js';
import { settingsDifferences, type CompareCellSettings, type CompareState } from './compare-state.js';
import { accuracyCell, compareMarkdown, compareRows, formatAccuracy } from './compare-table.js';
import { paretoLength, paretoPoints } from './pareto-chart.js';
import type { VariantDescriptor } from './descriptors.js';

const settings: CompareCellSettings = {
  lengths: [1024, 4096],
  dim: 256,
  heads: 4,
  batch: 1,
  warmup: 1,
  repeats: 3,
  timeLimitSeconds: 60,
  memoryLimitBytes: 3072 * 2 ** 20,
  lraOverrides: {},
  dataSeed: 1,
  backend: 'wasm',
};

/** A measured series: `ms[i]` and `mib[i]` at `lengths[i]`; lengths in `oom` ran out of memory. */
function series(
  name: string,
  lengths: number[],
  ms: number[],
  mib: number[],
  oom: number[] = [],
): SeriesResult {
  return {
    name,
    kind: 'attention',
    description: name,
    lengths: [
      ...lengths.map((length, i) => ({
        length,
        status: 'ok' as const,
        measurement: {
          time: summariseSamples([ms[i]!]),
          medianMs: ms[i]!,
          longestRunMs: ms[i]!,
          baselineBytes: 0,
          peakBytes: mib[i]! * 2 ** 20,
          peakStepBytes: mib[i]! * 2 ** 20,
        },
      })),
      ...oom.map((length) => ({ length, status: 'out-of-memory' as const, message: 'OOM' })),
    ],
  };
}

const ok = (testAccuracy: number) => ({
  status: 'ok' as const,
  testAccuracy,
  valAccuracy: testAccuracy,
  majorityAccuracy: 0.17,
  steps: 400,
  seconds: 60,
  runDir: 'lra/x',
});

function stateWith(): CompareState {
  return {
    format: 'tost-compare-state-1',
    settings,
    environment: {
      backend: 'wasm',
      versions: {},
      cpuModel: 'test cpu',
      cpuCount: 2,
      totalMemoryBytes: 2 ** 34,
      platform: 'linux',
      loadAverageStart: 1,
      loadAverageEnd: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T01:00:00.000Z',
    },
    measured: {},
    scaling: {
      // softmax: 10 ms and 160 ms (quadratic), 4 and 64 MiB; tssa: 5 ms and 20 ms, 2 and 8 MiB; causal: OOM at 4k.
      softmax: { series: series('softmax', [1024, 4096], [10, 160], [4, 64]), seconds: 1 },
      tssa: { series: series('tssa', [1024, 4096], [5, 20], [2, 8]), seconds: 1 },
      'causal-x': { series: series('causal-x', [1024], [8], [3], [4096]), seconds: 1 },
    },
    lra: {
      softmax: { listops: { '1': ok(0.36), '2': ok(0.38), '3': ok(0.4) }, pathfinder: { '1': ok(0.6) } },
      tssa: { listops: { '1': ok(0.35), '2': ok(0.37), '3': ok(0.39) }, pathfinder: { '1': ok(0.7) } },
      'causal-x': { listops: { '1': { status: 'n/a', reason: 'causal' } } },
    },
  };
}

const describe3 = (name: string, causal = false): VariantDescriptor => ({
  name,
  family: name === 'tssa' ? 'token statistics' : '—',
  causal,
  streaming: causal,
  complexity: name === 'softmax' ? 'quadratic' : 'linear',
  ...(name === 'tssa' ? { paper: { title: 'ToST', arxiv: '2412.17810' } } : {}),
});

/** The rows of softmax, tssa and a causal variant on both tasks, seeds 1–3. */
function exampleRows(state: CompareState) {
  return compareRows(
    state,
    [describe3('softmax'), describe3('tssa'), describe3('causal-x', true)],
    ['listops', 'pathfinder'],
    [1, 2, 3],
  );
}

describe('compare table', () => {
  it('accuracy: mean ± sample standard deviation in percent; n/a and errors say so', () => {
    const cell = accuracyCell([ok(0.36), ok(0.38), ok(0.4)]);
    expect(cell).toMatchObject({ status: 'ok', seeds: 3 });
    if (cell.status !== 'ok') throw new Error('expected ok');
    expect(cell.mean).toBeCloseTo(38, 10);
    expect(cell.spread).toBeCloseTo(2, 10); // sd of 36, 38, 40 with n − 1
    expect(formatAccuracy(cell)).toBe('38.0 ± 2.0 (3 seeds)');
    expect(formatAccuracy(accuracyCell([{ status: 'n/a', reason: 'causal' }]))).toBe('n/a (causal)');
    expect(formatAccuracy(accuracyCell([ok(0.4), { status: 'error', message: 'boom', seconds: 1 }]))).toBe(
      'error',
    );
    expect(formatAccuracy(accuracyCell([undefined]))).toBe('—');
  });

  it('rows: times and memory with their ratio to softmax, the longest trainable length, accuracies per task', () => {
    const state = stateWith();
    const rows = exampleRows(state);
    const tssa = rows[1]!;
    expect(tssa.lengths.map((c) => c.timeRatio)).toEqual([0.5, 0.125]);
    expect(tssa.lengths.map((c) => c.memoryRatio)).toEqual([0.5, 0.125]);
    expect(tssa.longestTrainable).toBe(4096);
    expect(rows[2]!.longestTrainable).toBe(1024);
    expect(rows[2]!.lengths[1]!.status).toBe('out-of-memory');
    expect(rows[2]!.accuracy.listops).toEqual({ status: 'n/a', reason: 'causal' });
    expect(tssa.accuracy.pathfinder).toMatchObject({ status: 'ok', seeds: 1, spread: 0 });
    const md = compareMarkdown(state, rows, ['listops', 'pathfinder']);
    expect(md).toContain('| variant');
    expect(md).toContain('time 4k (× softmax)');
    expect(md).toContain('20.0 ms (0.13×)');
    expect(md).toContain('OOM');
    expect(md).toContain('n/a (causal)');
    expect(md).toContain('ToST, arXiv:2412.17810');
    expect(md).toContain('37.0 ± 2.0 (3 seeds)');
  });

  it('Pareto: points at 4k (or the longest length), the front = no faster variant is more accurate', () => {
    expect(paretoLength([1024, 4096, 16384])).toBe(4096);
    expect(paretoLength([16, 32])).toBe(32);
    const state = stateWith();
    const rows = exampleRows(state);
    const points = paretoPoints(rows, ['listops', 'pathfinder'], 4096);
    // causal-x has neither a 4k time nor an accuracy: no point.
    expect(points.map((p) => `${p.task}:${p.variant}:${p.front}`).sort()).toEqual([
      'listops:softmax:true', // slower but more accurate than tssa
      'listops:tssa:true',
      'pathfinder:softmax:false', // slower and less accurate than tssa
      'pathfinder:tssa:true',
    ]);
  });

  it('progress: ETA from finished cells of the same key, else of the same kind; unknown before any finished', () => {
    const cell = (kind: 'scaling' | 'lra', key: string): PlannedCell => ({
      variant: 'v',
      kind,
      label: key,
      key,
    });
    const remaining = [cell('scaling', 'scaling:4096'), cell('lra', 'lra:listops')];
    expect(estimateRemainingSeconds(remaining, [])).toBeUndefined();
    const finished = [
      { key: 'scaling:4096', kind: 'scaling' as const, seconds: 10 },
      { key: 'scaling:1024', kind: 'scaling' as const, seconds: 2 },
      { key: 'lra:pathfinder', kind: 'lra' as const, seconds: 100 },
    ];
    expect(estimateRemainingSeconds(remaining, finished)).toBe(10 + 100);
    expect(formatCompareProgress(3, 8, cell('scaling', '4096 tokens'), 75)).toBe(
      '[compare 3/8 · ETA 1:15] v — train step at 4096 tokens',
    );
  });

  it('a resumed run must use the same cell settings: the differences are named', () => {
    expect(settingsDifferences(settings, { ...settings })).toEqual([]);
    expect(settingsDifferences(settings, { ...settings, dim: 128, lengths: [1024] })).toEqual([
      'lengths: [1024,4096] → [1024]',
      'dim: 256 → 128',
    ]);
  });
});
