import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lrLabel, type QualityCellResult, type QualityEvalData } from './results.js';
import { METRIC, settingKey, settingLabel, type QualitySetting } from './tasks.js';

/** The identity of one cell's configuration: a result is reused only when it matches. */
export function configKey(setting: QualitySetting, variant: string, seed: number, lr: number): string {
  return createHash('sha256')
    .update(JSON.stringify({ setting, variant, seed, lr, v: 1 }))
    .digest('hex')
    .slice(0, 16);
}

/** Where one cell's result and model live: OUT/cells/<task>/<setting>/<variant>/seed<k>-lr<rate>. */
export function cellDir(
  outDir: string,
  s: QualitySetting,
  variant: string,
  seed: number,
  lr: number,
): string {
  return resolve(outDir, 'cells', s.task, settingKey(s), variant, `seed${seed}-lr${lrLabel(lr)}`);
}

/**
 * A finished cell of this configuration, or undefined: its result and its saved model, or an imported result
 * (`importCells`, no model).
 */
export function readCell(dir: string, key: string): QualityCellResult | undefined {
  const file = join(dir, 'result.json');
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as QualityCellResult;
    if (r.configKey !== key) return undefined;
    return r.importedFrom !== undefined || existsSync(join(dir, 'model', 'model.json')) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** A `tost-bench quality` report (OUT/quality.json) as `writeQualityReport` writes it. */
interface QualityReportFile {
  format: 'tost-quality-2';
  cells: QualityCellResult[];
  evalData?: QualityEvalData[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Why one cell of an imported report cannot be used, or undefined when it can. */
function cellProblem(c: unknown): string | undefined {
  if (!isObject(c)) return `expected an object, got ${JSON.stringify(c)}`;
  if (c.format !== 'tost-quality-cell-1')
    return `expected format 'tost-quality-cell-1', got ${JSON.stringify(c.format)}`;
  const s = c.setting;
  if (!isObject(s) || !(typeof s.task === 'string' && s.task in METRIC))
    return `expected a setting with a task of ${Object.keys(METRIC).join(', ')}, got ${JSON.stringify(s)}`;
  if (c.task !== s.task)
    return `its task ${JSON.stringify(c.task)} is not its setting's ${JSON.stringify(s.task)}`;
  if (typeof c.variant !== 'string' || !Number.isInteger(c.seed) || typeof c.learningRate !== 'number')
    return 'expected a variant (string), a seed (integer) and a learningRate (number)';
  if (typeof c.test !== 'number' || typeof c.validation !== 'number')
    return 'expected test and validation scores (numbers)';
  const key = configKey(s as unknown as QualitySetting, c.variant, c.seed as number, c.learningRate);
  if (c.configKey !== key)
    return `its configKey ${JSON.stringify(c.configKey)} is not the one of its setting, variant, seed and rate (${key})`;
  return undefined;
}

/**
 * Adds the runs of an earlier report (an OUT/quality.json, e.g. a committed one) to OUT, so that new runs extend it and
 * `--report-only` summarises both, on a machine that does not have the earlier runs' directories. Each cell is
 * written as OUT/cells/…/result.json with `importedFrom` (the report's absolute path) and no model: it is never
 * re-trained, and cannot be scored on new held-out data. A cell OUT already has is kept as it is. The report's
 * held-out scores come along, keyed by the examples file's content hash (the report's `hash`, or the file read from
 * `cwd` when the report predates it). A row averaged over several seeds gives each seed the row's mean. The whole
 * report is checked before anything is written.
 *
 * @throws Error naming `file` (and the cell) when it cannot be read, is not a `tost-quality-2` report, holds a cell
 *   that is not a finished run matching its own configuration, or names a held-out file that cannot be read.
 */
export function importCells(
  file: string,
  outDir: string,
  cwd: string = process.cwd(),
): { imported: number; kept: number } {
  const where = `--import ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${where}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let report: QualityReportFile;
  try {
    report = JSON.parse(text) as QualityReportFile;
  } catch (err) {
    throw new Error(
      `${where}: not JSON (${(err as Error).message}); expected a tost-bench quality report (OUT/quality.json)`,
    );
  }
  if (!isObject(report) || report.format !== 'tost-quality-2' || !Array.isArray(report.cells))
    throw new Error(
      `${where}: expected a tost-bench quality report (format 'tost-quality-2' with a cells list), got ` +
        (isObject(report) && 'format' in report
          ? `format ${JSON.stringify(report.format)}`
          : `JSON without a format field (${Array.isArray(report) ? 'an array' : typeof report})`),
    );
  report.cells.forEach((c, i) => {
    const problem = cellProblem(c);
    if (problem) {
      const id = isObject(c) ? ` (${[c.task, c.settingKey, c.variant, `seed ${c.seed}`].join(' / ')})` : '';
      throw new Error(`${where}: cell ${i}${id}: ${problem}`);
    }
  });
  const scores = new Map<string, { hash: string; score: EvalScore }[]>();
  (report.evalData ?? []).forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.file !== 'string' || !Array.isArray(entry.results))
      throw new Error(
        `${where}: evalData ${i}: expected {file, examples, results: [...]}, got ${JSON.stringify(entry)}`,
      );
    let hash = entry.hash;
    if (hash === undefined) {
      const path = resolve(cwd, entry.file);
      try {
        hash = evalDataHash(readFileSync(path, 'utf8'));
      } catch {
        throw new Error(
          `${where}: its held-out scores name ${entry.file}, which cannot be read from ${cwd} (${path}); ` +
            'run from the directory the report was made in',
        );
      }
    }
    for (const r of entry.results) {
      const key = `${r.settingKey}|${r.variant}`;
      const score = { file: entry.file, examples: entry.examples, accuracy: r.accuracy };
      scores.set(key, [...(scores.get(key) ?? []), { hash, score }]);
    }
  });
  const from = resolve(file);
  let imported = 0;
  let kept = 0;
  for (const cell of report.cells) {
    const dir = cellDir(outDir, cell.setting, cell.variant, cell.seed, cell.learningRate);
    if (readCell(dir, cell.configKey)) {
      kept++;
      continue;
    }
    mkdirSync(dir, { recursive: true });
    const { chosen, ...rest } = cell;
    void chosen; // recomputed by collectCells
    const result: QualityCellResult = { ...rest, dir, importedFrom: rest.importedFrom ?? from };
    writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (cell.chosen)
      for (const { hash, score } of scores.get(`${cell.settingKey}|${cell.variant}`) ?? [])
        writeEvalScore(dir, hash, score);
    imported++;
  }
  return { imported, kept };
}

/**
 * Every finished cell under OUT/cells, whichever command wrote it (so OUT/quality.json can summarise runs made with
 * different tasks, settings or variant lists), each read from its own directory (`dir` is where it is now, even if
 * OUT was moved). A directory whose result does not match its own configuration, or that lacks the saved model (and
 * was not imported, `importCells`), is skipped. `chosen` is set as `runQuality` sets it: per (task, setting, variant), the learning rate with the best
 * seed-1 validation score (ties: the smaller rate), and every seed at that rate.
 */
export function collectCells(outDir: string): QualityCellResult[] {
  const root = resolve(outDir, 'cells');
  if (!existsSync(root)) return [];
  const cells: QualityCellResult[] = [];
  const files = (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.split(/[\\/]/).length === 5 && f.endsWith('result.json'))
    .sort();
  for (const f of files) {
    const dir = join(root, f, '..');
    let parsed: QualityCellResult;
    try {
      parsed = JSON.parse(readFileSync(join(root, f), 'utf8')) as QualityCellResult;
    } catch {
      continue;
    }
    if (parsed.format !== 'tost-quality-cell-1' || !parsed.setting) continue;
    const key = configKey(parsed.setting, parsed.variant, parsed.seed, parsed.learningRate);
    const cell = readCell(dir, key);
    if (cell) cells.push({ ...cell, dir: resolve(dir), chosen: false });
  }
  markChosen(cells);
  return cells.sort(byReadingOrder);
}

const TASK_ORDER = ['mqar', 'char-lm', 'spam'];

/** Task, then N, short convolution (none first), steps, variant, seed, learning rate. */
function byReadingOrder(a: QualityCellResult, b: QualityCellResult): number {
  const key = (c: QualityCellResult) => [
    TASK_ORDER.indexOf(c.task),
    c.setting.pairs ?? 0,
    c.setting.shortConv,
    c.setting.steps,
    c.setting.length,
  ];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  return a.variant.localeCompare(b.variant) || a.seed - b.seed || a.learningRate - b.learningRate;
}

/**
 * The seed-1 run of one (task, setting, variant) with the best validation score (lower bits per character, higher
 * accuracy); ties go to the earlier run, i.e. the smaller rate of the ascending grid.
 */
export function bestOnValidation(first: readonly QualityCellResult[]): QualityCellResult {
  const higher = METRIC[first[0]!.task].higherIsBetter;
  return first.reduce((a, b) =>
    (higher ? b.validation > a.validation : b.validation < a.validation) ? b : a,
  );
}

/** Sets `chosen` on the cells the summary averages (see `collectCells`). */
export function markChosen(cells: QualityCellResult[]): void {
  const groups = new Map<string, QualityCellResult[]>();
  for (const c of cells) {
    const key = `${c.task}|${c.settingKey}|${c.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const group of groups.values()) {
    const first = group.filter((c) => c.seed === 1).sort((a, b) => a.learningRate - b.learningRate);
    if (first.length === 0) continue; // seeds > 1 without seed 1: no rate was chosen
    const best = bestOnValidation(first);
    for (const c of group) c.chosen = c.learningRate === best.learningRate;
  }
}

/** One `--eval-data` file's identity: its content (the same examples under another path are the same set). */
export function evalDataHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

interface EvalScore {
  file: string;
  examples: number;
  accuracy: number;
}

const EVAL_FILE = 'eval-data.json';

function readEvalScores(dir: string): Record<string, EvalScore> {
  try {
    return JSON.parse(readFileSync(join(dir, EVAL_FILE), 'utf8')) as Record<string, EvalScore>;
  } catch {
    return {};
  }
}

/** The cached score of a cell's model on held-out examples, or undefined. */
export function readEvalScore(dir: string, hash: string): EvalScore | undefined {
  return readEvalScores(dir)[hash];
}

/** Caches a cell's score on held-out examples beside its model (OUT/cells/…/eval-data.json). */
export function writeEvalScore(dir: string, hash: string, score: EvalScore): void {
  const scores = readEvalScores(dir);
  scores[hash] = score;
  writeFileSync(join(dir, EVAL_FILE), `${JSON.stringify(scores, null, 2)}\n`);
}

/**
 * The held-out scores of every chosen MQAR cell, one entry per examples file: per (setting, variant) the mean over
 * the chosen seeds, listed when every chosen seed has been scored on that file.
 */
export function collectEvalData(cells: QualityCellResult[]): QualityEvalData[] {
  const groups = new Map<string, QualityCellResult[]>();
  for (const c of cells.filter((c) => c.chosen && c.task === 'mqar')) {
    const key = `${c.settingKey}|${c.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const byFile = new Map<string, QualityEvalData>();
  for (const group of groups.values()) {
    const scores = group.map((c) => readEvalScores(c.dir));
    for (const [hash, score] of Object.entries(scores[0]!)) {
      if (!scores.every((s) => s[hash])) continue;
      const entry = byFile.get(hash) ?? { file: score.file, hash, examples: score.examples, results: [] };
      byFile.set(hash, entry);
      const first = group[0]!;
      entry.results.push({
        variant: first.variant,
        setting: settingLabel(first.setting),
        settingKey: first.settingKey,
        accuracy: scores.reduce((a, s) => a + s[hash]!.accuracy, 0) / scores.length,
        seeds: scores.length,
      });
    }
  }
  return [...byFile.values()];
}
