import { describe, expect, it } from 'vitest';
import '../variants.js';
import type { QualitySummaryRow } from '../quality/results.js';
import type { CompareRow } from './compare-table.js';
import { compareSection } from './compare-section.js';
import { headline, qualityColumns, qualityMarkdown, renderQualityCharts, timeAt } from './quality-columns.js';

function summary(
  task: QualitySummaryRow['task'],
  settingKey: string,
  setting: string,
  variant: string,
  mean: number,
  sd: number | null,
): QualitySummaryRow {
  return {
    task,
    settingKey,
    setting,
    variant,
    ran: variant,
    metric: task === 'char-lm' ? 'bits-per-char' : 'accuracy',
    learningRate: 3e-3,
    seeds: sd === null ? 1 : 3,
    mean,
    sd,
    baseline:
      task === 'char-lm' ? { name: 'unigram', value: 4.56 } : { name: 'chance (1/128)', value: 1 / 128 },
    stepSeconds: 0.1,
    steps: 1500,
  };
}

const row = (variant: string, ms: number): CompareRow => ({
  variant,
  family: variant,
  causal: false,
  streaming: false,
  complexity: 'linear',
  lengths: [{ length: 4096, status: 'ok', medianMs: ms }],
  accuracy: {},
});

const rows = [row('tssa', 10), row('softmax', 30)];
const quality = qualityColumns([
  summary('mqar', 'N32-conv3', 'N = 32, short conv 3', 'softmax', 1, 0),
  summary('mqar', 'N8-conv3', 'N = 8, short conv 3', 'softmax', 0.99, null),
  summary('mqar', 'N8-noconv', 'N = 8, no short conv', 'tssa', 0.011, null),
  summary('char-lm', 'conv4', 'short conv 4', 'tssa', 2.17, 0.01),
  summary('mqar', 'N32-conv3', 'N = 32, short conv 3', 'tssa+softmax', 0.98, null),
]);

describe('compare: the quality columns', () => {
  it('orders columns by task, N, then without/with the short convolution', () => {
    expect(quality.columns.map((c) => c.header)).toEqual([
      'MQAR N=8, no conv %',
      'MQAR N=8, conv 3 %',
      'MQAR N=32, conv 3 %',
      'char-lm bits/char (conv 4)',
    ]);
    expect(quality.variants).toEqual(['softmax', 'tssa', 'tssa+softmax']);
  });

  it('puts a char-lm result in the row of the causal form that ran', () => {
    const asked = { ...summary('char-lm', 'conv4', 'short conv 4', 'tssa', 2.2, null), ran: 'causal-tssa' };
    const q = qualityColumns([
      summary('mqar', 'N8-conv3', 'N = 8, short conv 3', 'tssa', 0.008, null),
      asked,
    ]);
    expect(q.variants).toEqual(['tssa', 'causal-tssa']);
    expect(q.cells.get('causal-tssa')?.get('char-lm:conv4')?.mean).toBe(2.2);
    expect(q.cells.get('tssa')?.has('char-lm:conv4')).toBe(false);
  });

  it('names a reduced budget in its column, so two runs of one setting stay apart', () => {
    const reduced = {
      ...summary('mqar', 'N32-conv3-steps400', 'N = 32, short conv 3', 'softmax', 0.025, null),
      steps: 400,
    };
    const q = qualityColumns([
      summary('mqar', 'N32-conv3', 'N = 32, short conv 3', 'softmax', 1, null),
      reduced,
    ]);
    expect(q.columns.map((c) => c.header)).toEqual(['MQAR N=32, conv 3 %', 'MQAR N=32, conv 3, 400 steps %']);
    expect(qualityMarkdown(q, rows, 4096)).toMatch(/\| training steps +\| +\| 1,500 +\| 400 +\|/);
  });

  it("gives a hybrid the mean of its parts' train-step times, marked", () => {
    expect(timeAt(rows, 'tssa', 4096)).toEqual({ ms: 10, derived: false });
    expect(timeAt(rows, 'tssa+softmax', 4096)).toEqual({ ms: 20, derived: true });
    expect(timeAt(rows, 'tssa+local', 4096)).toBeUndefined();
    const md = qualityMarkdown(quality, rows, 4096);
    expect(md).toMatch(/\| tssa\+softmax +\| 20\.0 \(mean of parts\) +\| — +\| — +\| 98\.0 % +\| — +\|/);
    expect(md).toMatch(/\| softmax +\| 30\.0 +\| — +\| 99\.0 % +\| 100\.0 ± 0\.0 % +\| — +\|/);
    expect(md).toMatch(/\| baseline +\| +\| 0\.8 % +\| 0\.8 % +\| 0\.8 % +\| 4\.56 +\|/);
    expect(md).toMatch(/\| training steps +\| +\| 1,500 +\| 1,500 +\| 1,500 +\| 1,500 +\|/);
  });

  it('charts the column with the most variants: the largest N or full budget only when as many ran it', () => {
    const ids = (q: ReturnType<typeof qualityColumns>) => headline(q, 'mqar')?.header;
    // N = 32 has two rows, N = 64 one: N = 32; once N = 64 has as many, N = 64.
    const n64 = (v: string) => summary('mqar', 'N64-conv3', 'N = 64, short conv 3', v, 1, null);
    const base = [
      summary('mqar', 'N32-conv3', 'N = 32, short conv 3', 'softmax', 1, null),
      summary('mqar', 'N32-conv3', 'N = 32, short conv 3', 'tssa', 0.01, null),
      summary('mqar', 'N8-noconv', 'N = 8, no short conv', 'tssa', 0.01, null),
      summary('mqar', 'N8-noconv', 'N = 8, no short conv', 'softmax', 0.1, null),
      summary('mqar', 'N8-noconv', 'N = 8, no short conv', 'linear', 0.1, null),
    ];
    expect(ids(qualityColumns([...base, n64('softmax')]))).toBe('MQAR N=32, conv 3 %');
    expect(ids(qualityColumns([...base, n64('softmax'), n64('tssa')]))).toBe('MQAR N=64, conv 3 %');
    // Without any convolution column, the no-conv one.
    expect(ids(qualityColumns(base.slice(2)))).toBe('MQAR N=8, no conv %');
    expect(headline(qualityColumns(base), 'spam')).toBeUndefined();
  });

  it('draws one chart per task, variants named in a legend (no text beside points)', async () => {
    const charts = await renderQualityCharts(quality, rows, 4096, 'wasm');
    expect(charts.map((c) => c.name)).toEqual(['compare-quality-mqar', 'compare-quality-char-lm']);
    const mqar = charts[0]!.svg;
    for (const v of ['softmax', 'tssa+softmax']) expect(mqar).toContain(`>${v}</text>`);
    expect(mqar).toMatch(/MQAR N=32, conv 3 %/);
  }, 30_000);

  it('puts the quality table and charts on the report page (also without quick-LRA tasks)', async () => {
    const charts = await renderQualityCharts(quality, rows, 4096, 'wasm');
    const section = compareSection('## Every attention\n\nSettings.', [], [4096], [], undefined, {
      markdown: qualityMarkdown(quality, rows, 4096),
      charts,
    });
    expect(section.html.match(/<table/g)).toHaveLength(2);
    expect(section.html).toContain('<th>MQAR N=32, conv 3 %</th>');
    expect(section.html.match(/<figure>/g)).toHaveLength(2);
  }, 30_000);
});
