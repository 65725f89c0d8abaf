import { describe, expect, it } from 'vitest';
import type { QualitySummaryRow } from '../quality/results.js';
import type { CompareRow } from './compare-table.js';
import { qualityColumns } from './quality-columns.js';
import { summaryMarkdown } from './summary-table.js';

const row = (variant: string, o: Partial<CompareRow> & { ms?: number; mib?: number }): CompareRow => ({
  variant,
  family: variant,
  causal: o.causal ?? false,
  streaming: o.streaming ?? false,
  complexity: 'linear',
  lengths: [
    o.ms === undefined
      ? { length: 4096, status: 'out-of-memory (predicted)' }
      : { length: 4096, status: 'ok', medianMs: o.ms, peakMiB: o.mib ?? 100 },
  ],
  ...(o.longestTrainable ? { longestTrainable: o.longestTrainable } : {}),
  accuracy: {},
});

const mqar = (variant: string, mean: number, sd: number | null): QualitySummaryRow => ({
  task: 'mqar',
  settingKey: 'N8-conv3-steps400',
  setting: 'N = 8, short conv 3',
  variant,
  ran: variant,
  metric: 'accuracy',
  learningRate: 3e-3,
  seeds: sd === null ? 1 : 3,
  mean,
  sd,
  baseline: { name: 'chance (1/128)', value: 1 / 128 },
  stepSeconds: 0.2,
  steps: 400,
});

describe('compare-summary.md (the README table)', () => {
  it('gives times over tssa in the same run, memory, longest length and every quality column', () => {
    const rows = [
      row('tssa', { ms: 150, mib: 102.4, longestTrainable: 65536 }),
      row('causal-tssa', { ms: 300, causal: true, streaming: true, longestTrainable: 16384 }),
      row('softmax', { ms: 3600, mib: 650, longestTrainable: 4096 }),
      row('selective', { causal: true }),
    ];
    const quality = qualityColumns([
      mqar('softmax', 0.999, 0.001),
      mqar('tssa', 0.008, null),
      mqar('tssa+local', 1, null),
    ]);
    const md = summaryMarkdown(rows, quality, 4096);
    const lines = md.split('\n');
    expect(lines[0]).toMatch(
      /\| variant +\| causal · streams +\| train step 4k \(× tssa\) +\| memory 4k +\| longest trained +\| MQAR N=8, conv 3, 400 steps % +\|/,
    );
    expect(md).toMatch(/\| baseline +\| +\| +\| +\| +\| 0\.8 % \(chance \(1\/128\)\) +\|/);
    expect(md).toMatch(
      /\| `tssa` +\| bidirectional +\| 150 ms \(1\.0×\) +\| 102 MiB +\| 65,536 +\| 0\.8 % +\|/,
    );
    expect(md).toMatch(
      /\| `causal-tssa` +\| causal · streams +\| 300 ms \(2\.0×\) +\| 100 MiB +\| 16,384 +\| — +\|/,
    );
    expect(md).toMatch(
      /\| `softmax` +\| bidirectional +\| 3,600 ms \(24\.0×\) +\| 650 MiB +\| 4,096 +\| 99\.9 ± 0\.1 % +\|/,
    );
    // Not run at 4k: its status, no made-up number.
    expect(md).toMatch(/\| `selective` +\| causal +\| out-of-memory \(predicted\) +\| — +\| — +\| — +\|/);
    // A hybrid with quality results but no speed row is still listed.
    expect(md).toMatch(/\| `tssa\+local` +\| — +\| — +\| — +\| — +\| 100\.0 % +\|/);
  });

  it('is the speed table alone without quality results', () => {
    const md = summaryMarkdown([row('tssa', { ms: 150 })], undefined, 4096);
    expect(md.split('\n')).toHaveLength(3);
    expect(md).not.toContain('baseline');
  });
});
