import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cellDir, collectCells, collectEvalData, configKey, writeEvalScore } from './cells.js';
import { runQuality, writeQualityReport } from './command.js';
import type { QualityCellResult } from './results.js';
import type { QualitySetting } from './tasks.js';

const mqar = (pairs: number, steps: number): QualitySetting => ({
  task: 'mqar',
  pairs,
  shortConv: 3,
  length: 3 * pairs,
  steps,
  batchSize: 64,
  dim: 64,
  depth: 2,
  heads: 4,
  mlpRatio: 2,
});

const spam: QualitySetting = {
  task: 'spam',
  shortConv: 0,
  length: 512,
  steps: 150,
  batchSize: 16,
  dim: 64,
  depth: 2,
  heads: 4,
  mlpRatio: 2,
};

let out: string;
beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'tost-quality-cells-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

/** Writes a finished cell as `runQuality` leaves it: result.json and model/model.json. */
function writeCell(
  setting: QualitySetting,
  variant: string,
  seed: number,
  lr: number,
  scores: { test: number; validation: number },
  o: { model?: boolean; key?: string } = {},
): string {
  const dir = cellDir(out, setting, variant, seed, lr);
  mkdirSync(join(dir, 'model'), { recursive: true });
  if (o.model !== false) writeFileSync(join(dir, 'model', 'model.json'), '{}');
  const settingKey =
    setting.task === 'mqar'
      ? `N${setting.pairs}-conv3-steps${setting.steps}`
      : 'noconv-len512-steps150-batch16';
  const cell: Partial<QualityCellResult> = {
    format: 'tost-quality-cell-1',
    configKey: o.key ?? configKey(setting, variant, seed, lr),
    dir: '/somewhere/else/before/a/move',
    task: setting.task,
    setting,
    settingKey,
    variant,
    ran: variant,
    seed,
    learningRate: lr,
    metric: 'accuracy',
    ...scores,
    baseline: { name: 'chance (1/128)', value: 1 / 128 },
    stepSeconds: 0.25,
    steps: setting.steps,
  } as Partial<QualityCellResult>;
  writeFileSync(join(dir, 'result.json'), JSON.stringify(cell));
  return dir;
}

describe('collectCells: every finished run in OUT, whichever command wrote it', () => {
  it('reads cells of different tasks and settings, and skips stale or model-less ones', () => {
    writeCell(mqar(8, 400), 'softmax', 1, 3e-3, { test: 0.99, validation: 0.99 });
    writeCell(mqar(32, 400), 'softmax', 1, 3e-3, { test: 0.9, validation: 0.9 });
    writeCell(spam, 'tssa', 1, 1e-3, { test: 0.89, validation: 0.88 });
    writeCell(mqar(8, 400), 'tssa', 1, 3e-3, { test: 0.5, validation: 0.5 }, { key: 'another-config' });
    writeCell(mqar(8, 400), 'linear', 1, 3e-3, { test: 0.5, validation: 0.5 }, { model: false });
    const cells = collectCells(out);
    // In reading order: task, then N.
    expect(cells.map((c) => `${c.task}/${c.settingKey}/${c.variant}`)).toEqual([
      'mqar/N8-conv3-steps400/softmax',
      'mqar/N32-conv3-steps400/softmax',
      'spam/noconv-len512-steps150-batch16/tssa',
    ]);
    // `dir` is where the cell is now, not where it was written.
    for (const c of cells) expect(c.dir.startsWith(out)).toBe(true);
    expect(cells.every((c) => c.chosen)).toBe(true);
  });

  it('chooses the learning rate by seed-1 validation and keeps the other seeds at it', () => {
    const s = mqar(8, 400);
    writeCell(s, 'linear', 1, 1e-3, { test: 0.4, validation: 0.6 });
    writeCell(s, 'linear', 1, 3e-3, { test: 0.9, validation: 0.5 }); // better test, worse validation
    writeCell(s, 'linear', 2, 1e-3, { test: 0.45, validation: 0.55 });
    const chosen = collectCells(out)
      .filter((c) => c.chosen)
      .map((c) => `seed${c.seed}@${c.learningRate}`)
      .sort();
    expect(chosen).toEqual(['seed1@0.001', 'seed2@0.001']);
  });

  it('lists a held-out score only when every chosen seed of the row was scored', () => {
    const s = mqar(8, 400);
    const a1 = writeCell(s, 'softmax', 1, 3e-3, { test: 1, validation: 1 });
    writeCell(s, 'softmax', 2, 3e-3, { test: 1, validation: 1 });
    const b1 = writeCell(s, 'tssa', 1, 3e-3, { test: 0.01, validation: 0.01 });
    writeEvalScore(a1, 'h8', { file: 'n8.jsonl', examples: 1024, accuracy: 0.98 });
    writeEvalScore(b1, 'h8', { file: 'n8.jsonl', examples: 1024, accuracy: 0.012 });
    const held = collectEvalData(collectCells(out));
    expect(held).toHaveLength(1);
    expect(held[0]!.results.map((r) => [r.variant, r.accuracy, r.seeds])).toEqual([['tssa', 0.012, 1]]);
  });
});

describe('writeQualityReport', () => {
  it('summarises the runs of several commands in one quality.json and quality.md', () => {
    writeCell(mqar(8, 400), 'softmax', 1, 3e-3, { test: 0.999, validation: 0.99 });
    writeCell(mqar(32, 1500), 'softmax', 1, 3e-3, { test: 0.95, validation: 0.94 });
    writeCell(spam, 'tssa', 1, 1e-3, { test: 0.891, validation: 0.88 });
    const lines: string[] = [];
    writeQualityReport(out, (l) => lines.push(l));
    const json = JSON.parse(readFileSync(join(out, 'quality.json'), 'utf8')) as {
      format: string;
      summary: { settingKey: string; variant: string; mean: number }[];
    };
    expect(json.format).toBe('tost-quality-2');
    expect(json.summary.map((r) => `${r.settingKey}:${r.variant}:${r.mean}`).sort()).toEqual([
      'N32-conv3-steps1500:softmax:0.95',
      'N8-conv3-steps400:softmax:0.999',
      'noconv-len512-steps150-batch16:tssa:0.891',
    ]);
    const md = readFileSync(join(out, 'quality.md'), 'utf8');
    // MQAR rows trained for different numbers of steps: a steps column says which.
    expect(md).toMatch(
      /\| softmax +\| N = 8, short conv 3 +\| 99\.9 % +\| 0\.8 % +\| 1 +\| 3e-3 \| 400 +\| 250 +\|/,
    );
    expect(md).toMatch(/\| softmax +\| N = 32, short conv 3 +\| 95\.0 % .*\| 1500 +\| 250 +\|/);
    expect(md).toContain('150 steps per run');
    expect(lines.at(-1)).toMatch(/quality\.json: 3 rows from 3 finished runs$/);
  });
});

describe('runQuality --report-only', () => {
  it('refuses an --out without finished runs instead of writing an empty report', async () => {
    await expect(
      runQuality({
        tasks: ['mqar'],
        variants: ['tssa'],
        seeds: 1,
        outDir: out,
        backend: 'cpu',
        reportOnly: true,
      }),
    ).rejects.toThrow(/--report-only: no finished runs under .*cells \(expected the --out of earlier/);
    expect(() => readFileSync(join(out, 'quality.md'))).toThrow(/ENOENT/);
  });
});
