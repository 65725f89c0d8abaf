import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@tost/backend';
import { STATE_FILE, type CompareCellSettings, type CompareState } from './compare-state.js';
import { runCompare, type CompareOptions } from './run-compare.js';
import { COMPARE_JSON, writeCompareOutputs, type CompareResultFile } from './write-compare.js';

/** Tiny everything: two lengths, one small layer, ListOps with 2 steps on trees of at most 32 tokens. */
const settings: CompareCellSettings = {
  lengths: [16, 32],
  dim: 8,
  heads: 2,
  batch: 1,
  warmup: 0,
  repeats: 1,
  timeLimitSeconds: 60,
  memoryLimitBytes: 512 * 2 ** 20,
  lraOverrides: { steps: 2, batchSize: 4, maxLength: 32 },
  dataSeed: 1,
  backend: 'wasm',
  // From source (vitest) the replica workers' module is not built: one replica.
  workers: 1,
};

class Interrupted extends Error {}

describe('tost-bench compare (2 variants, tiny settings)', () => {
  const out = mkdtempSync(join(tmpdir(), 'tost-compare-'));
  const lines: string[] = [];
  const options = (seeds: number[], log: (line: string) => void): CompareOptions => ({
    attentions: ['tssa', 'causal-tssa'],
    tasks: ['listops'],
    seeds,
    settings,
    outDir: out,
    log,
  });
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('an interrupted run resumes from its finished cells, then writes the table, JSON, chart and page', async () => {
    // Interrupt as the 3rd cell (tssa's ListOps run) starts: the two train-step lengths are finished.
    await expect(
      runCompare(
        options([1], (line) => {
          lines.push(line);
          if (line.startsWith('[compare 3/')) throw new Interrupted('killed');
        }),
      ),
    ).rejects.toThrow(Interrupted);
    const saved = JSON.parse(readFileSync(join(out, STATE_FILE), 'utf8')) as CompareState;
    expect(Object.keys(saved.measured.tssa ?? {}).sort()).toEqual(['16', '32']);
    expect(saved.lra.tssa?.listops?.['1']).toBeUndefined();

    // --report-only runs nothing: the finished cells are reported, the rest stay missing.
    const reportLines: string[] = [];
    const report = await runCompare({ ...options([1], (l) => reportLines.push(l)), reportOnly: true });
    expect(reportLines.some((l) => l.startsWith('[compare '))).toBe(false);
    expect(reportLines.at(-1)).toBe('compare --report-only: reporting 2 finished cells; 4 are missing');
    expect(report.state.lra.tssa?.listops?.['1']).toBeUndefined();
    // Without LRA tasks (--tasks none) the page has no LRA section (it used to say "no LRA runs at <out>/lra").
    await writeCompareOutputs({ ...report, options: { ...report.options, tasks: [] } });
    const speedOnly = readFileSync(join(out, 'report.html'), 'utf8');
    expect(speedOnly).not.toContain('Long Range Arena');
    expect(speedOnly).not.toContain(out);
    // It reports with the settings the cells were measured with, whatever is passed now.
    const otherSettings = await runCompare({
      ...options([1], () => {}),
      settings: { ...settings, dim: 16, lengths: [64] },
      reportOnly: true,
    });
    expect(otherSettings.options.settings).toMatchObject({ dim: 8, lengths: [16, 32] });
    await expect(
      runCompare({ ...options([1], () => {}), outDir: join(out, 'nothing-here'), reportOnly: true }),
    ).rejects.toThrow(
      /--report-only: no .*nothing-here.*compare-state\.json; run compare with this --out first/,
    );

    const resumed: string[] = [];
    const run = await runCompare(options([1, 2], (line) => resumed.push(line)));
    expect(resumed[0]).toMatch(/resuming .*compare-state\.json: 2 already done/);
    // Neither finished length runs again; the progress names every cell that does run, with an ETA.
    expect(resumed.some((l) => l.includes('] tssa — train step'))).toBe(false);
    expect(
      resumed.filter((l) => l.startsWith('[compare ')).map((l) => l.replace(/ · ETA [^\]]+\]/, ']')),
    ).toEqual([
      '[compare 3/8] tssa — quick LRA listops seed 1',
      '[compare 4/8] tssa — quick LRA listops seed 2',
      '[compare 5/8] causal-tssa — train step at 16 tokens',
      '[compare 6/8] causal-tssa — train step at 32 tokens',
      '[compare 7/8] causal-tssa — quick LRA listops seed 1',
      '[compare 8/8] causal-tssa — quick LRA listops seed 2',
    ]);
    expect(resumed.find((l) => l.startsWith('[compare 4/'))).toMatch(/ETA \d+:\d\d/);
    const { state } = run;
    expect(state.lra.tssa?.listops?.['1']).toMatchObject({ status: 'ok', steps: 2 });
    // A causal variant trains as a uni-directional encoder under the same class-attention pooling.
    expect(state.lra['causal-tssa']?.listops?.['2']).toMatchObject({ status: 'ok', steps: 2 });
    expect(state.scaling['causal-tssa']?.series.lengths.map((o) => o.status)).toEqual(['ok', 'ok']);

    const { files, markdown } = await writeCompareOutputs(run);
    for (const name of [
      'compare.md',
      COMPARE_JSON,
      'compare-pareto.svg',
      'compare-pareto.png',
      'report.html',
    ]) {
      expect(files).toContain(join(out, name));
      expect(existsSync(join(out, name))).toBe(true);
    }
    expect(markdown).toMatch(/\| tssa +\| token-statistics +\| Wu et al\., ICLR 2025, arXiv:2412\.17810/);
    expect(markdown).toMatch(/\| causal-tssa .*\| \d+\.\d ± \d+\.\d \(2 seeds\) +\|$/m);
    const json = JSON.parse(readFileSync(join(out, COMPARE_JSON), 'utf8')) as CompareResultFile;
    expect(json.rows.map((r) => r.variant)).toEqual(['tssa', 'causal-tssa']);
    expect(json.rows[0]!.accuracy.listops).toMatchObject({ status: 'ok', seeds: 2 });
    const page = readFileSync(join(out, 'report.html'), 'utf8');
    expect(page).toContain('<table id="compare-table">');
    expect(page).toContain('new Tablesort(');
    expect(page).toContain('data-sort-method="number"');
    expect(page).toContain('tost-bench compare');
    expect(page).toContain('<h2>Long Range Arena</h2>');
    expect(page).not.toContain('tost-bench scaling');
    expect(readFileSync(join(out, 'compare-pareto.svg'), 'utf8')).toContain('<svg');

    // A third run with other cell settings refuses to mix them.
    await expect(
      runCompare({ ...options([1], () => {}), settings: { ...settings, dim: 16 } }),
    ).rejects.toThrow(/other settings \(dim: 8 → 16\)/);
  }, 600_000);
});
