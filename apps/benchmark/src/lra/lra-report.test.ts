import { describe, it, expect } from 'vitest';
import { lraReport, lraReportHtml } from './lra-report.js';
import type { LraRunResult } from '../runs/lra-result.js';
import { lraSettings } from './presets.js';

function fakeRun(task: 'listops' | 'pathfinder', attention: string, acc: number): LraRunResult {
  const point = { step: 10, split: 'test' as const, loss: 1, accuracy: acc, examples: 100 };
  return {
    format: 'tost-lra-run-1',
    spec: { task, attention, preset: 'quick', block: 'tost', seed: 1, settings: lraSettings(task, 'quick') },
    curve: [],
    evals: [],
    finalVal: { ...point, split: 'val' },
    finalTest: point,
    majorityTestAccuracy: 0.2,
    parameters: 1000,
    wallSeconds: 12,
    peakTensorBytes: 2 ** 21,
    peakRssBytes: 0,
    backend: 'wasm',
    versions: {},
    finishedAt: '2026-11-23T10:00:00Z',
    quick: true,
  };
}

describe('lraReport', () => {
  it('puts our runs beside the published numbers and marks quick runs', () => {
    const md = lraReport([
      fakeRun('listops', 'tssa', 0.3),
      fakeRun('pathfinder', 'tssa', 0.6),
      fakeRun('listops', 'softmax', 0.25),
    ]);
    const row = (label: string) =>
      md
        .split('\n')
        .find((l) => l.includes(label))!
        .split('|')
        .map((c) => c.trim())
        .slice(1, -1);
    expect(row('ours: tssa')).toEqual([
      '**ours: tssa (tost, quick)**',
      '30.00',
      '—',
      '—',
      '—',
      '60.00',
      '—',
      '45.00',
    ]);
    expect(row('ours: softmax')).toEqual([
      '**ours: softmax (tost, quick)**',
      '25.00',
      '—',
      '—',
      '—',
      '—',
      '—',
      '25.00',
    ]);
    expect(row('ToST (TSSA) (published)')).toEqual([
      'ToST (TSSA) (published)',
      '37.25',
      '66.75',
      '79.46',
      '46.62',
      '69.41',
      '—',
      '59.90',
    ]);
    expect(row('majority class')[1]).toBe('20.00');
    expect(md).toContain('NOT with the published rows');
  });

  it('renders the same report as HTML tables built from the rows, headings shifted for a page section', () => {
    const html = lraReportHtml([fakeRun('listops', 'tssa', 0.3)], { headingShift: 1 });
    expect(html).toContain('<h3>LRA test accuracy (%)</h3>');
    expect(html).toContain('<h3>Runs</h3>');
    expect(html).toContain('<tr><td><strong>ours: tssa (tost, quick)</strong></td><td>30.00</td><td>—</td>');
    expect(html).toContain('<td>ToST (TSSA) (published)</td><td>37.25</td>');
    expect(html).toContain('<p><em>Rows marked <code>quick</code> come from');
    expect(html).not.toContain('|');
  });
});

describe('readRunResults + lraReport: `tost-bench report` merging run directories', () => {
  it('reads every RUN_DIR/result.json and keeps the newest run per (attention, task)', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readRunResults, writeRunResult } = await import('../runs/lra-result.js');
    const root = mkdtempSync(join(tmpdir(), 'lra-report-'));
    const older = { ...fakeRun('listops', 'tssa', 0.1), finishedAt: '2026-11-22T10:00:00Z' };
    writeRunResult(join(root, 'a-old'), older);
    writeRunResult(join(root, 'b-new'), fakeRun('listops', 'tssa', 0.4));
    writeRunResult(join(root, 'c'), fakeRun('pathfinder', 'softmax', 0.55));
    mkdirSync(join(root, 'not-a-run'));
    const runs = readRunResults(root);
    expect(runs).toHaveLength(3);
    const md = lraReport(runs);
    const tssa = md.split('\n').find((l) => l.includes('ours: tssa'))!;
    expect(tssa).toContain('40.00');
    expect(tssa).not.toContain('10.00');
    expect(md.split('\n').find((l) => l.includes('ours: softmax'))).toContain('55.00');
    // Both listops runs still appear in the per-run detail table.
    expect(md.split('\n').filter((l) => l.startsWith('| listops')).length).toBe(2);

    writeFileSync(join(root, 'c', 'result.json'), '{ truncated');
    expect(() => readRunResults(root)).toThrow(/cannot read run result .*c\/result\.json/);
    expect(() => readRunResults(join(root, 'missing'))).toThrow(/no runs directory at .*missing/);
  });
});
