import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileSystem } from '@tost/backend/node';
import { seedMathRandom } from '@tost/models';
import { formatDuration } from '@tost/training';
import { FileCheckpoints, TerminalProgress } from '@tost/training/node';
import { versions } from '../versions.js';
import {
  bestOnValidation,
  cellDir,
  collectCells,
  collectEvalData,
  configKey,
  importCells,
  readCell,
  readEvalScore,
  writeEvalScore,
} from './cells.js';
import { assertEvalDataFitsRuns, readEvalData, type EvalDataFile } from './eval-data.js';
import { DEFAULT_MQAR_PAIRS, MQAR_VOCAB, mqarLength } from './mqar.js';
import { formatStepMs, lrLabel, qualityMarkdown, summarise, type QualityCellResult } from './results.js';
import {
  LEARNING_RATES,
  QualityData,
  TASK_DEFAULTS,
  prepareTask,
  settingKey,
  settingLabel,
  type QualitySetting,
  type QualityTask,
} from './tasks.js';
import { evaluateCell, rowsInBatches, trainCell } from './train-cell.js';
import { causalVariantName } from './variants.js';

export interface QualityOptions {
  tasks: QualityTask[];
  variants: string[];
  seeds: number;
  outDir: string;
  /** MQAR pair counts (default 8, 32, 64). */
  pairs?: number[];
  /** Only this short-convolution width (0 = none); default: with and without the task's width. */
  shortConv?: number;
  /** One learning rate instead of the grid. */
  learningRate?: number;
  steps?: number;
  batchSize?: number;
  /** char-lm context / spam bytes. */
  length?: number;
  /** MQAR held-out examples to score each trained model on: a JSON-lines file, or one already read (`readEvalData`). */
  evalData?: string | EvalDataFile;
  /** Train nothing: summarise the finished cells of OUT into OUT/quality.json and OUT/quality.md. */
  reportOnly?: boolean;
  /** Earlier reports (OUT/quality.json files) whose runs join OUT first (`importCells`). */
  importFrom?: string[];
  backend: string;
  log?: (line: string) => void;
}

/** The settings a command runs for a task. */
export function taskSettings(task: QualityTask, o: QualityOptions): QualitySetting[] {
  const d = TASK_DEFAULTS[task];
  const convs = o.shortConv !== undefined ? [o.shortConv] : task === 'spam' ? [0] : [0, d.shortConvWidth];
  const pairsList = task === 'mqar' ? (o.pairs ?? DEFAULT_MQAR_PAIRS) : [undefined];
  const out: QualitySetting[] = [];
  for (const pairs of pairsList)
    for (const shortConv of convs)
      out.push({
        task,
        ...(pairs !== undefined ? { pairs } : {}),
        shortConv,
        length: pairs !== undefined ? mqarLength(pairs) : (o.length ?? d.length),
        steps: o.steps ?? d.steps,
        batchSize: o.batchSize ?? d.batchSize,
        dim: d.dim,
        depth: d.depth,
        heads: d.heads,
        mlpRatio: d.mlpRatio,
      });
  return out;
}

/** A cell's checkpoints while it trains (OUT/cells/…/checkpoints), removed once its result and model are written. */
const CHECKPOINTS = 'checkpoints';

/**
 * `tost-bench quality`: for each task, setting and variant, trains seed 1 at every learning rate of the grid, keeps
 * the best on the validation data, trains the other seeds at it, and writes one result per cell (skipped when
 * already there: the command resumes), then OUT/quality.json and OUT/quality.md. A cell being trained writes a
 * checkpoint every minute and after its last step, and a killed command run again continues the cell from it, ending
 * as it would have.
 */
export async function runQuality(o: QualityOptions): Promise<QualityCellResult[]> {
  const log = o.log ?? ((line: string) => console.log(line));
  for (const file of o.importFrom ?? []) {
    const { imported, kept } = importCells(file, o.outDir);
    log(
      `--import ${file}: ${imported} run${imported === 1 ? '' : 's'} added to ${resolve(o.outDir)}` +
        (kept > 0 ? ` (${kept} already there, kept)` : ''),
    );
  }
  if (o.reportOnly) {
    const cells = collectCells(o.outDir);
    if (cells.length === 0)
      throw new Error(
        `--report-only: no finished runs under ${resolve(o.outDir, 'cells')} (expected the --out of earlier ` +
          'tost-bench quality runs); nothing written',
      );
    writeQualityReport(o.outDir, log, cells);
    return [];
  }
  const data = new QualityData();
  const evalSet = typeof o.evalData === 'string' ? readEvalData(o.evalData, MQAR_VOCAB) : o.evalData;
  const plan = o.tasks.flatMap((task) => {
    const variants = variantsFor(task, o.variants, log); // once per task: a skipped variant is said once
    return taskSettings(task, o).flatMap((setting) => variants.map((variant) => ({ setting, variant })));
  });
  if (evalSet) {
    const mqarPairs = plan.flatMap((p) => (p.setting.task === 'mqar' ? [p.setting.pairs!] : []));
    assertEvalDataFitsRuns(evalSet, mqarPairs);
    // An imported run (no model) this command would score on these examples: said before any training.
    const planned = new Set(plan.map((p) => `${settingKey(p.setting)}|${p.variant}`));
    const unscorable = collectCells(o.outDir).find(
      (c) =>
        c.importedFrom !== undefined &&
        c.task === 'mqar' &&
        c.setting.length === evalSet.length &&
        planned.has(`${c.settingKey}|${c.variant}`) &&
        !readEvalScore(c.dir, evalSet.hash),
    );
    if (unscorable) throw unscorableImport(evalSet.file, unscorable);
  }
  const grid = o.learningRate !== undefined ? [o.learningRate] : LEARNING_RATES;
  const totalCells = plan.length * (grid.length + Math.max(0, o.seeds - 1));
  const totalSteps = plan.reduce((n, p) => n + p.setting.steps * (grid.length + Math.max(0, o.seeds - 1)), 0);
  let doneCells = 0;
  let doneSteps = 0;
  let trainedSteps = 0;
  let trainedSeconds = 0;
  const results: QualityCellResult[] = [];
  log(
    `quality: ${plan.length} (task setting, variant) pair${plan.length === 1 ? '' : 's'}, ${o.seeds} seed${o.seeds > 1 ? 's' : ''}, learning rates ` +
      `${grid.map(lrLabel).join(', ')} → ${totalCells} training runs; results in ${resolve(o.outDir)}`,
  );

  const runCell = async (setting: QualitySetting, variant: string, seed: number, lr: number) => {
    const key = configKey(setting, variant, seed, lr);
    const dir = cellDir(o.outDir, setting, variant, seed, lr);
    const checkpoints = join(dir, CHECKPOINTS);
    const ran = setting.task === 'char-lm' ? causalVariantName(variant) : variant;
    const title = `[${setting.task} ${settingLabel(setting)} / ${ran} / seed ${seed} / lr ${lrLabel(lr)}]`;
    const found = readCell(dir, key);
    const done = found && { ...found, dir }; // where it is now (OUT may have moved since)
    if (done) {
      // A command killed between writing the result and removing the checkpoints left them behind.
      rmSync(checkpoints, { recursive: true, force: true });
      log(
        `${title} done earlier: ${formatMetric(done)} (${done.importedFrom !== undefined ? `imported from ${done.importedFrom}` : done.dir})`,
      );
      doneCells++;
      doneSteps += setting.steps;
      return done;
    }
    const remaining = totalSteps - doneSteps;
    const pace = trainedSteps > 0 ? trainedSeconds / trainedSteps : NaN;
    log(
      `${title} run ${doneCells + 1}/${totalCells}` +
        (Number.isFinite(pace) ? `, about ${formatDuration(remaining * pace)} left in all` : ''),
    );
    const unseed = seedMathRandom(seed, '--seeds');
    tf.engine().startScope();
    try {
      const run = prepareTask(setting, variant, seed, data);
      const trained = await trainCell({
        model: run.model,
        batch: run.batch,
        steps: setting.steps,
        learningRate: lr,
        progress: new TerminalProgress(),
        checkpoints: { store: new FileCheckpoints(checkpoints, 1), configKey: key },
        log: (line) => log(`${title} ${line}`),
      });
      const val = await evaluateCell(run.model, run.validation());
      const test = await evaluateCell(run.model, run.test());
      mkdirSync(dir, { recursive: true });
      await run.model.save(fileSystem(join(dir, 'model')));
      const result: QualityCellResult = {
        format: 'tost-quality-cell-1',
        configKey: key,
        dir,
        task: setting.task,
        setting,
        settingKey: settingKey(setting),
        variant,
        ran,
        seed,
        learningRate: lr,
        metric: setting.task === 'char-lm' ? 'bits-per-char' : 'accuracy',
        test: setting.task === 'char-lm' ? test.loss / Math.LN2 : test.accuracy,
        validation: setting.task === 'char-lm' ? val.loss / Math.LN2 : val.accuracy,
        baseline: run.baseline,
        parameters: run.model.countParams(),
        stepSeconds: trained.stepSeconds,
        wallSeconds: trained.wallSeconds,
        ...(trained.resumedFromStep !== undefined ? { resumedFromStep: trained.resumedFromStep } : {}),
        backend: o.backend,
        versions: versions(),
        finishedAt: new Date().toISOString(),
      };
      writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
      rmSync(checkpoints, { recursive: true, force: true }); // the result and the model are written
      log(
        `${title} ${formatMetric(result)}; ${trained.wallSeconds.toFixed(0)} s, ${formatStepMs(trained.stepSeconds)} ms/step`,
      );
      run.model.dispose();
      trainedSteps += setting.steps;
      trainedSeconds += trained.wallSeconds;
      doneCells++;
      doneSteps += setting.steps;
      return result;
    } finally {
      tf.engine().endScope();
      unseed();
    }
  };

  for (const { setting, variant } of plan) {
    const first: QualityCellResult[] = [];
    for (const lr of grid) first.push(await runCell(setting, variant, 1, lr));
    const best = bestOnValidation(first);
    if (grid.length > 1) log(`  chosen learning rate ${lrLabel(best.learningRate)} (validation, seed 1)`);
    best.chosen = true;
    results.push(...first);
    for (let seed = 2; seed <= o.seeds; seed++) {
      const r = await runCell(setting, variant, seed, best.learningRate);
      r.chosen = true;
      results.push(r);
    }
    if (evalSet && setting.task === 'mqar' && setting.length === evalSet.length) {
      const chosen = results.filter(
        (r) => r.chosen && r.settingKey === settingKey(setting) && r.variant === variant && r.task === 'mqar',
      );
      const accuracies: number[] = [];
      for (const r of chosen) {
        let score = readEvalScore(r.dir, evalSet.hash);
        if (!score) {
          if (r.importedFrom !== undefined) throw unscorableImport(evalSet.file, r);
          const model = await tfl.loadLayersModel(fileSystem(join(r.dir, 'model')));
          const scored = await evaluateCell(
            model,
            rowsInBatches(evalSet.ids, evalSet.labels, evalSet.count, evalSet.length, 64),
          );
          model.dispose();
          score = { file: evalSet.file, examples: evalSet.count, accuracy: scored.accuracy };
          writeEvalScore(r.dir, evalSet.hash, score);
        }
        accuracies.push(score.accuracy);
      }
      const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
      log(
        `eval-data ${evalSet.file}: ${variant} (${settingLabel(setting)}) accuracy ${(100 * mean).toFixed(1)} % ` +
          `on ${evalSet.count} examples${accuracies.length > 1 ? ` (mean of ${accuracies.length} seeds)` : ''}`,
      );
    }
  }
  writeQualityReport(o.outDir, log);
  return results;
}

function unscorableImport(file: string, r: QualityCellResult): Error {
  return new Error(
    `--eval-data ${file}: the run in ${r.dir} was imported from ${r.importedFrom} without its model and has no ` +
      'score on these examples; delete that directory to train it again',
  );
}

/**
 * OUT/quality.json and OUT/quality.md from every finished cell in OUT — this run's and those of earlier runs with
 * other tasks, settings or variants — and the held-out scores cached beside them.
 */
export function writeQualityReport(
  outDir: string,
  log: (line: string) => void,
  cells: QualityCellResult[] = collectCells(outDir),
): QualityCellResult[] {
  const summary = summarise(cells);
  const evalData = collectEvalData(cells);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'quality.json'),
    `${JSON.stringify({ format: 'tost-quality-2', summary, evalData, cells }, null, 2)}\n`,
  );
  const markdown = qualityMarkdown(summary, evalData);
  writeFileSync(join(outDir, 'quality.md'), markdown);
  log(`\n${markdown}`);
  log(`${resolve(outDir, 'quality.json')}: ${summary.length} rows from ${cells.length} finished runs`);
  return cells;
}

/**
 * The variants a task runs: char-lm runs the causal form of each (same descriptor family) and skips a variant
 * without one, or whose causal form is already in the list.
 */
function variantsFor(task: QualityTask, variants: string[], log: (line: string) => void): string[] {
  if (task !== 'char-lm') return variants;
  const seen = new Set<string>();
  return variants.filter((v) => {
    let ran: string;
    try {
      ran = causalVariantName(v);
    } catch (err) {
      log(`char-lm: skipping ${v}: ${(err as Error).message}`);
      return false;
    }
    if (seen.has(ran)) return false;
    seen.add(ran);
    return true;
  });
}

function formatMetric(r: QualityCellResult): string {
  return r.metric === 'bits-per-char'
    ? `test ${r.test.toFixed(3)} bits/char (val ${r.validation.toFixed(3)})`
    : `test ${(100 * r.test).toFixed(1)} % (val ${(100 * r.validation).toFixed(1)} %)`;
}
