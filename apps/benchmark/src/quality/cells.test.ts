import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cellDir,
  collectCells,
  collectEvalData,
  configKey,
  evalDataHash,
  importCells,
  writeEvalScore,
} from './cells.js';
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

describe('importCells: the runs of an earlier report join OUT', () => {
  let from: string;
  beforeEach(() => {
    from = mkdtempSync(join(tmpdir(), 'tost-quality-import-'));
  });
  afterEach(() => rmSync(from, { recursive: true, force: true }));

  /** An earlier OUT (runs with models, one held-out score) summarised into OUT/quality.json; returns its path. */
  function earlierReport(): string {
    const earlier = out;
    const s = mqar(8, 400);
    const softmax = writeCell(s, 'softmax', 1, 3e-3, { test: 0.99, validation: 0.98 });
    writeCell(s, 'linear', 1, 1e-3, { test: 0.4, validation: 0.6 });
    writeCell(s, 'linear', 1, 3e-3, { test: 0.9, validation: 0.5 });
    writeCell(spam, 'tssa', 1, 1e-3, { test: 0.89, validation: 0.88 });
    writeEvalScore(softmax, 'h8', { file: 'n8.jsonl', examples: 256, accuracy: 0.97 });
    writeQualityReport(earlier, () => {});
    return join(earlier, 'quality.json');
  }

  it('writes each run without its model, with the chosen rates, the summary and the held-out scores unchanged', () => {
    const report = earlierReport();
    const before = JSON.parse(readFileSync(report, 'utf8')) as { summary: unknown; evalData: unknown };
    expect(importCells(report, from)).toEqual({ imported: 4, kept: 0 });
    writeQualityReport(from, () => {});
    const after = JSON.parse(readFileSync(join(from, 'quality.json'), 'utf8')) as {
      summary: unknown;
      evalData: unknown;
      cells: QualityCellResult[];
    };
    expect(after.summary).toEqual(before.summary);
    expect(after.evalData).toEqual(before.evalData);
    expect(after.cells.every((c) => c.importedFrom === report && c.dir.startsWith(from))).toBe(true);
    expect(after.cells.filter((c) => !c.chosen).map((c) => `${c.variant}@${c.learningRate}`)).toEqual([
      'linear@0.003',
    ]);
    expect(() => readFileSync(join(after.cells[0]!.dir, 'model', 'model.json'))).toThrow(/ENOENT/);
    // Again: nothing is written twice.
    expect(importCells(report, from)).toEqual({ imported: 0, kept: 4 });
  });

  it('keeps a run OUT already has instead of the imported one', () => {
    const report = earlierReport();
    const mine = cellDir(from, mqar(8, 400), 'softmax', 1, 3e-3);
    mkdirSync(join(mine, 'model'), { recursive: true });
    writeFileSync(join(mine, 'model', 'model.json'), '{}');
    const cell = JSON.parse(
      readFileSync(join(cellDir(out, mqar(8, 400), 'softmax', 1, 3e-3), 'result.json'), 'utf8'),
    );
    writeFileSync(join(mine, 'result.json'), JSON.stringify({ ...cell, test: 0.5 }));
    expect(importCells(report, from)).toEqual({ imported: 3, kept: 1 });
    const softmax = collectCells(from).find((c) => c.variant === 'softmax')!;
    expect([softmax.test, softmax.importedFrom]).toEqual([0.5, undefined]);
  });

  it('finds the held-out file of a report without hashes by its path, and says so when it cannot', () => {
    const examples = '{"ids":[5,130,9,200,9,5],"labels":[-100,-100,-100,-100,200,130]}\n';
    writeFileSync(join(from, 'n2.jsonl'), examples);
    const s = mqar(2, 3);
    const dir = writeCell(s, 'softmax', 1, 3e-3, { test: 1, validation: 1 });
    const report = join(out, 'old-quality.json');
    const cell = { ...JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')), chosen: true };
    const old = {
      format: 'tost-quality-2',
      summary: [],
      cells: [cell],
      evalData: [
        {
          file: 'n2.jsonl',
          examples: 1,
          results: [
            { variant: 'softmax', setting: 'N = 2', settingKey: cell.settingKey, accuracy: 0.5, seeds: 1 },
          ],
        },
      ],
    };
    writeFileSync(report, JSON.stringify(old));
    const target = join(from, 'out');
    expect(() => importCells(report, target, out)).toThrow(
      /--import .*old-quality\.json: its held-out scores name n2\.jsonl, which cannot be read from /,
    );
    importCells(report, target, from);
    const held = collectEvalData(collectCells(target));
    expect(held).toEqual([
      {
        file: 'n2.jsonl',
        hash: evalDataHash(examples),
        examples: 1,
        results: [
          {
            variant: 'softmax',
            setting: 'N = 2, short conv 3',
            settingKey: cell.settingKey,
            accuracy: 0.5,
            seeds: 1,
          },
        ],
      },
    ]);
  });

  it('resumes over imported runs, and refuses to score one on new held-out data (it has no model)', async () => {
    const report = earlierReport();
    const lines: string[] = [];
    const run = (evalData?: string) =>
      runQuality({
        tasks: ['mqar'],
        variants: ['softmax'],
        seeds: 1,
        pairs: [8],
        shortConv: 3,
        steps: 400,
        learningRate: 3e-3,
        outDir: from,
        backend: 'cpu',
        importFrom: [report],
        log: (l) => lines.push(l),
        ...(evalData ? { evalData } : {}),
      });
    const results = await run();
    expect(results.map((r) => [r.variant, r.test])).toEqual([['softmax', 0.99]]);
    expect(lines[0]).toMatch(/^--import .*quality\.json: 4 runs added to /);
    expect(lines).toContainEqual(
      expect.stringMatching(/done earlier: test 99\.0 % .*\(imported from .*quality\.json\)$/),
    );
    const held = join(from, 'n8.jsonl');
    const row = `{"ids":[${Array.from({ length: 24 }, (_, i) => (i % 2 ? 130 : 1 + i))}],"labels":[${[...Array(23).fill(-100), 130]}]}`;
    writeFileSync(held, `${row}\n`);
    await expect(run(held)).rejects.toThrow(
      /--eval-data .*n8\.jsonl: the run in .*softmax.* was imported from .*quality\.json without its model and has no score on these examples; delete that directory to train it again/,
    );
  });

  it('refuses a file that is not a quality report, naming it', () => {
    const bad = join(from, 'bad.json');
    writeFileSync(bad, '{"format":"tost-compare-1","rows":[]}');
    expect(() => importCells(bad, out)).toThrow(
      /--import .*bad\.json: expected a tost-bench quality report \(format 'tost-quality-2' with a cells list\), got format "tost-compare-1"/,
    );
    writeFileSync(bad, '{"name":"x"}');
    expect(() => importCells(bad, out)).toThrow(/got JSON without a format field \(object\)$/);
    writeFileSync(bad, 'not json');
    expect(() => importCells(bad, out)).toThrow(
      /--import .*bad\.json: not JSON \(.*\); expected a tost-bench quality report/,
    );
    expect(() => importCells(join(from, 'missing.json'), out)).toThrow(
      /--import .*missing\.json: cannot read it \(ENOENT\)$/,
    );
    expect(() => importCells(from, out)).toThrow(/cannot read it \(EISDIR\)$/);
  });

  it('checks every cell before writing any: a bad one names the file, the cell and what is wrong', () => {
    const report = earlierReport();
    const json = JSON.parse(readFileSync(report, 'utf8')) as { cells: Record<string, unknown>[] };
    const cases: [(c: Record<string, unknown>[]) => void, RegExp][] = [
      // The setting's keys reordered: a configKey no run would ever match (collectCells would drop it silently).
      [
        (c) => {
          const { task, ...rest } = c[3]!.setting as Record<string, unknown>;
          c[3]!.setting = { ...rest, task };
        },
        /cell 3 \(spam \/ .* \/ tssa \/ seed 1\): its configKey "[0-9a-f]+" is not the one of its setting, variant, seed and rate \([0-9a-f]+\)$/,
      ],
      [
        (c) => void (c[2]!.setting = undefined),
        /cell 2 .*: expected a setting with a task of mqar, char-lm, spam, got undefined$/,
      ],
      [(c) => void (c[1]!.test = 'high'), /cell 1 .*: expected test and validation scores \(numbers\)$/],
      [(c) => void (c[0]!.format = 'x'), /cell 0 .*: expected format 'tost-quality-cell-1', got "x"$/],
    ];
    for (const [spoil, message] of cases) {
      const copy = structuredClone(json);
      spoil(copy.cells);
      const file = join(from, 'spoilt.json');
      writeFileSync(file, JSON.stringify(copy));
      expect(() => importCells(file, join(from, 'out'))).toThrow(message);
      expect(collectCells(join(from, 'out'))).toEqual([]);
    }
  });
});
