import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateLraData, loadLra, type LraSplits, type LraTaskName } from '@tost/lra/node';
import { seedMathRandom } from '@tost/models';
import { defaultReplicas, TerminalProgress } from '@tost/training/node';
import { buildLraModel, lraModelOptions } from '../runs/lra-model.js';
import {
  lraSettings,
  LRA_TASKS,
  QUICK_LISTOPS_DATA,
  QUICK_PATHFINDER_DATA,
  describePreset,
  type LraSettings,
  type PresetName,
} from './presets.js';
import { trainLra, type LraRunSpec } from './train.js';
import {
  writeRunResult,
  readRunResults,
  type DataLoadOptions,
  type LraRunResult,
} from '../runs/lra-result.js';
import { lraReport } from './lra-report.js';
import { versions } from '../versions.js';
import { getAttentionDescriptor, listAttentions } from '../variants.js';
import { fileSystem } from '@tost/backend/node';
import { lockRunDirectory } from './run-lock.js';
import { parseVariant } from '../variant-names.js';

export interface LraCommandOptions {
  tasks: LraTaskName[];
  attentions: string[];
  preset: PresetName;
  block: 'tost' | 'crate';
  /** Directory holding the released files (or where --generate writes them). */
  dataDir: string;
  generate: boolean;
  outDir: string;
  /** Seeds the initial weights, dropout and the batch order. */
  seed: number;
  /** Seeds generated data (default: `seed`); fix it to compare seeds on the same data. */
  dataSeed?: number;
  resume: boolean;
  backend: string;
  /** Data-parallel replicas (worker threads); default: one per core, capped by the batch size. */
  workers?: number;
  overrides: Partial<Pick<LraSettings, 'steps' | 'batchSize' | 'maxLength' | 'checkpointEvery'>>;
  log?: (line: string) => void;
}

/** The trained model is saved in RUN_DIR/model (model.json + weights.bin, see fileSystem in @tost/backend/node). */
export const MODEL_SUBDIR = 'model';

const GENERATABLE: LraTaskName[] = ['listops', 'pathfinder', 'pathx'];

/**
 * The run directory's name: task, attention, block, preset and seed, plus every setting that overrides the preset's
 * (steps, batch, length), so runs that differ in them never share (and overwrite) a directory.
 */
export function runDirName(
  spec: Pick<LraRunSpec, 'task' | 'attention' | 'block' | 'preset' | 'seed'>,
  overrides: LraCommandOptions['overrides'] = {},
): string {
  const parts = [`${spec.task}-${spec.attention}-${spec.block}-${spec.preset}-seed${spec.seed}`];
  if (overrides.steps !== undefined) parts.push(`steps${overrides.steps}`);
  if (overrides.batchSize !== undefined) parts.push(`batch${overrides.batchSize}`);
  if (overrides.maxLength !== undefined) parts.push(`length${overrides.maxLength}`);
  return parts.join('-');
}

/** Throws unless every task has a generator (ListOps, Pathfinder, Path-X); the others need their released files. */
export function checkGeneratable(tasks: LraTaskName[]): void {
  for (const task of tasks) {
    if (!GENERATABLE.includes(task)) {
      throw new Error(
        `--generate supports ${GENERATABLE.slice(0, -1).join(', ')} and ${GENERATABLE.at(-1)}; task '${task}' needs its released files (--data DIR)`,
      );
    }
  }
}

/** Where generated data for a task and preset lives under the data directory. */
export function generatedDataDir(dataDir: string, task: LraTaskName, preset: PresetName): string {
  return join(dataDir, `${task}-${preset}`);
}

const COMPLETE_MARKER = '.complete';

/** The generator options of a task and preset (stored in the `.complete` marker: data made otherwise is redone). */
function generatorOptions(task: LraTaskName, preset: PresetName, seed: number, settings: LraSettings) {
  const quick = preset === 'quick';
  return {
    quick,
    seed,
    ...(quick && task === 'listops' ? { listops: QUICK_LISTOPS_DATA(settings.maxLength) } : {}),
    ...(quick && task !== 'listops' ? { pathfinder: QUICK_PATHFINDER_DATA } : {}),
    ...(task === 'pathx' ? { resolution: 128 as const } : {}),
  };
}

/** The generator options recorded in a complete data folder's marker (undefined for markers of older versions). */
function recordedRequest(dir: string): unknown {
  try {
    return (JSON.parse(readFileSync(join(dir, COMPLETE_MARKER), 'utf8')) as { request?: unknown }).request;
  } catch {
    return undefined;
  }
}

/**
 * Loads the task's data: from `--data DIR` (the released files), or, with `--generate`, from data generated into
 * DIR/<task>-<preset>. Generation writes into a fresh temporary folder beside it, marks it complete, and renames it
 * into place atomically: a reader never sees a half-written set. When two runs generate at once, the first rename
 * wins and the other uses the winner's (identical, same seed) data. A folder without the `.complete` marker (left
 * by an older version) is an error rather than silently partial data. The marker holds the generator options: data
 * generated with other ones (another data seed, an older quick preset) is regenerated.
 * Quick ListOps is generated with trees no longer than the quick maxLength, so nothing is truncated.
 */
export function prepareData(
  task: LraTaskName,
  o: Pick<LraCommandOptions, 'dataDir' | 'generate' | 'preset' | 'seed' | 'dataSeed'>,
  settings: LraSettings,
  log: (l: string) => void,
): { splits: LraSplits; dir: string; loadOptions: DataLoadOptions; generated: boolean } {
  if (!o.generate) {
    const loadOptions = { maxLength: settings.maxLength };
    if (!existsSync(o.dataDir)) {
      throw new Error(
        `--data: no directory ${o.dataDir}; pass --data DIR with the released ${task} files, or --generate (listops, pathfinder)`,
      );
    }
    return {
      splits: loadLra(task, o.dataDir, loadOptions),
      dir: resolve(o.dataDir),
      loadOptions,
      generated: false,
    };
  }
  checkGeneratable([task]);
  const dir = generatedDataDir(o.dataDir, task, o.preset);
  if (existsSync(dir) && !existsSync(join(dir, COMPLETE_MARKER))) {
    throw new Error(
      `${dir} exists but is incomplete (no ${COMPLETE_MARKER} marker: an interrupted generation by an older ` +
        'version?). Delete it and run again to regenerate.',
    );
  }
  const request = generatorOptions(task, o.preset, o.dataSeed ?? o.seed, settings);
  if (existsSync(dir) && JSON.stringify(recordedRequest(dir)) !== JSON.stringify(request)) {
    log(`the data in ${dir} were generated with other settings: regenerating`);
    rmSync(dir, { recursive: true, force: true });
  }
  if (!existsSync(dir)) {
    const what =
      o.preset === 'quick' ? 'quick: scaled down, NOT the published setting' : 'the published setting';
    log(`generating ${task} data (${what}) into ${dir} ...`);
    const t0 = performance.now();
    mkdirSync(dirname(resolve(dir)), { recursive: true });
    const staging = mkdtempSync(`${resolve(dir)}.tmp-`);
    try {
      const info = generateLraData(task === 'listops' ? 'listops' : 'pathfinder', staging, request);
      writeFileSync(join(staging, COMPLETE_MARKER), `${JSON.stringify({ ...info, request })}\n`);
      try {
        renameSync(staging, dir);
        log(
          `  ${info.counts.train} / ${info.counts.val} / ${info.counts.test} examples in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(dir, COMPLETE_MARKER))) throw err;
        log(`  another run generated ${dir} first: using its data (same task, preset and seed)`);
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const difficulty = request.pathfinder?.difficulty;
  const loadOptions: DataLoadOptions = {
    maxLength: settings.maxLength,
    ...(difficulty ? { difficulty } : {}),
  };
  return { splits: loadLra(task, dir, loadOptions), dir: resolve(dir), loadOptions, generated: true };
}

/**
 * Before any data is generated or read: every attention must be registered, and a causal one needs a pooling that
 * reads every token ('class-attention' or 'mean' — a uni-directional encoder, as recurrent models are evaluated on
 * LRA); under a CLS token at position 0 it would see nothing. Throws naming the offenders and what fits.
 */
export function checkClassifierAttentions(
  attentions: readonly string[],
  runs: readonly { task: LraTaskName; pooling: LraSettings['pooling'] }[],
): void {
  const causal = attentions.filter((name) =>
    parseVariant(name).some((part) => getAttentionDescriptor(part).causal),
  );
  const clsPooled = runs.filter((r) => r.pooling === 'cls').map((r) => r.task);
  if (causal.length === 0 || clsPooled.length === 0) return;
  const fitting = listAttentions()
    .filter((d) => !d.causal)
    .map((d) => d.name);
  throw new Error(
    `--attention: ${causal.join(', ')} ${causal.length > 1 ? 'are' : 'is'} causal, and ${clsPooled.join(', ')} ` +
      `pool${clsPooled.length > 1 ? '' : 's'} with a CLS token, which a causal encoder never lets see the sequence; ` +
      `use a non-causal attention (one of ${fitting.join(', ')})`,
  );
}

/** `tost-bench lra`: trains and evaluates each attention on each task, writes one result.json per run. */
export async function runLraCommand(o: LraCommandOptions): Promise<LraRunResult[]> {
  const log = o.log ?? ((line: string) => console.log(line));
  checkClassifierAttentions(
    o.attentions,
    o.tasks.map((task) => ({ task, pooling: lraSettings(task, o.preset).pooling })),
  );
  const results: LraRunResult[] = [];
  for (const task of o.tasks) {
    const presetSettings = lraSettings(task, o.preset);
    const settings = { ...presetSettings, ...o.overrides };
    // Overrides that change the run (not checkpointEvery), and only where they differ from the preset's value.
    const changed = Object.fromEntries(
      (['steps', 'batchSize', 'maxLength'] as const)
        .filter((k) => o.overrides[k] !== undefined && o.overrides[k] !== presetSettings[k])
        .map((k) => [k, o.overrides[k]]),
    ) as LraCommandOptions['overrides'];
    log(
      `\n[${task}] ${describePreset(task, o.preset, settings, {
        data: o.generate ? 'generated' : 'released',
        overridden: changed,
        presetSettings,
      })}`,
    );
    const { splits, dir: dataDir, loadOptions } = prepareData(task, o, settings, log);
    log(
      `[${task}] data: train ${splits.train.size}, val ${splits.val.size}, test ${splits.test.size} examples of ${splits.train.maxLength} tokens, ${splits.train.numClasses} classes`,
    );
    for (const attention of o.attentions) {
      const spec: LraRunSpec = { task, attention, preset: o.preset, block: o.block, seed: o.seed, settings };
      const runDir = resolve(o.outDir, runDirName(spec, changed));
      log(`\n[${task} / ${attention}] run directory ${runDir}`);
      const unlock = lockRunDirectory(runDir);
      // Every unseeded tfjs random op of this run (initialisers, dropout) draws from a stream seeded by --seed.
      const unseed = seedMathRandom(o.seed, '--seed');
      tf.engine().startScope();
      try {
        const modelOptions = lraModelOptions(spec, splits.train);
        const model = buildLraModel(modelOptions, splits.train.dual);
        const workers = Math.min(o.workers ?? defaultReplicas(settings.batchSize), settings.batchSize);
        log(
          `  model: ${model.countParams().toLocaleString('en-US')} parameters; ` +
            `${workers} data-parallel replica${workers > 1 ? 's (worker threads)' : ''}`,
        );
        const outcome = await trainLra({
          model,
          splits,
          spec,
          checkpointDir: join(runDir, 'checkpoints'),
          resume: o.resume,
          workers,
          log,
          progress: new TerminalProgress(),
        });
        await model.save(fileSystem(join(runDir, MODEL_SUBDIR)));
        const result: LraRunResult = {
          format: 'tost-lra-run-1',
          ...outcome,
          backend: o.backend,
          versions: versions(),
          finishedAt: new Date().toISOString(),
          quick: o.preset === 'quick',
          model: {
            dir: MODEL_SUBDIR,
            task,
            dataDir,
            loadOptions,
            maxLength: splits.train.maxLength,
            vocabSize: splits.train.vocabSize,
            numClasses: splits.train.numClasses,
            dual: splits.train.dual,
            options: modelOptions,
          },
        };
        const file = writeRunResult(runDir, result);
        log(
          `  final: val ${(100 * outcome.finalVal.accuracy).toFixed(2)}%, test ${(100 * outcome.finalTest.accuracy).toFixed(2)}% ` +
            `(majority class ${(100 * outcome.majorityTestAccuracy).toFixed(2)}%), ${outcome.wallSeconds.toFixed(0)} s → ${file}`,
        );
        results.push(result);
        model.dispose();
      } finally {
        tf.engine().endScope();
        unseed();
        unlock();
      }
    }
  }
  return results;
}

export function printReport(outDir: string, log: (line: string) => void = console.log): void {
  log(lraReport(readRunResults(outDir)));
}

export { LRA_TASKS };
