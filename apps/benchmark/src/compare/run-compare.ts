import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { join } from 'node:path';
import { runDirName, runLraCommand } from '../lra/command.js';
import { captureEnvironment } from '../scaling/environment.js';
import { runSeries, type ScalingRunOptions } from '../scaling/run.js';
import { attentionWorkload } from '../scaling/workloads.js';
import { estimateRemainingSeconds, formatCompareProgress, type PlannedCell } from './compare-progress.js';
import {
  readState,
  STATE_FILE,
  openState,
  saveState,
  type CompareCellSettings,
  type CompareState,
  type LraCell,
} from './compare-state.js';
import { describeVariant, type VariantDescriptor } from './descriptors.js';

/** The LRA tasks the comparison trains on (both generated, so it needs no downloads). */
export const COMPARE_TASKS = ['listops', 'pathfinder'] as const;
export type CompareTask = (typeof COMPARE_TASKS)[number];

export interface CompareOptions {
  attentions: string[];
  tasks: CompareTask[];
  seeds: number[];
  settings: CompareCellSettings;
  outDir: string;
  /** Run nothing: report the cells already finished in `outDir` (the others as missing). */
  reportOnly?: boolean;
  log?: (line: string) => void;
}

export interface CompareRun {
  state: CompareState;
  descriptors: VariantDescriptor[];
  options: CompareOptions;
}

/** Every cell of the run in order: per variant its lengths, then its LRA runs (task × seed). */
export function planCells(
  attentions: string[],
  o: Pick<CompareOptions, 'tasks' | 'seeds' | 'settings'>,
): PlannedCell[] {
  return attentions.flatMap((variant) => [
    ...[...o.settings.lengths]
      .sort((a, b) => a - b)
      .map((length) => ({
        variant,
        kind: 'scaling' as const,
        label: `${length} tokens`,
        key: `scaling:${length}`,
        length,
      })),
    ...o.tasks.flatMap((task) =>
      o.seeds.map((seed) => ({
        variant,
        kind: 'lra' as const,
        label: `${task} seed ${seed}`,
        key: `lra:${task}`,
        task,
        seed,
      })),
    ),
  ]);
}

/** The finished cells of a state with their wall times (what the ETA is estimated from). */
function finishedCells(state: CompareState): { key: string; kind: PlannedCell['kind']; seconds: number }[] {
  const scaling = Object.values(state.measured).flatMap((byLength) =>
    Object.entries(byLength).map(([length, cell]) => ({
      key: `scaling:${length}`,
      kind: 'scaling' as const,
      seconds: cell.seconds,
    })),
  );
  const lra = Object.values(state.lra).flatMap((byTask) =>
    Object.entries(byTask).flatMap(([task, bySeed]) =>
      Object.values(bySeed ?? {})
        .filter((c): c is Extract<LraCell, { seconds: number }> => 'seconds' in c)
        .map((c) => ({ key: `lra:${task}`, kind: 'lra' as const, seconds: c.seconds })),
    ),
  );
  return [...scaling, ...lra];
}

/** Whether a cell's result is in the state (a measured length counts, even if its sweep is unfinished). */
export function isCellDone(state: CompareState, cell: PlannedCell): boolean {
  if (cell.kind === 'scaling') {
    return (
      state.scaling[cell.variant] !== undefined ||
      state.measured[cell.variant]?.[String(cell.length)] !== undefined
    );
  }
  const lra = state.lra[cell.variant]?.[cell.task as CompareTask]?.[String(cell.seed)];
  // 'n/a' cells were written by versions that skipped causal variants: they run now.
  return lra !== undefined && lra.status !== 'n/a';
}

/**
 * `tost-bench compare`: for every variant, the train step (forward + backward to every weight) at each length with
 * the scaling command's sweep — then the quick LRA ListOps and Pathfinder runs with the lra command, the same preset,
 * data and seeds for every variant. Every finished cell is saved at once to OUT/compare-state.json, so an interrupted
 * run started again with the same settings picks up where it stopped (an LRA run cut mid-way resumes from its last
 * checkpoint). A causal variant is a uni-directional encoder under the same class-attention pooling.
 */
export async function runCompare(options: CompareOptions): Promise<CompareRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.reportOnly) return reportFinishedCells(options, log);
  const { settings, outDir } = options;
  const { state, resumed } = openState(outDir, settings, captureEnvironment());
  const descriptors = options.attentions.map((name) => describeVariant(name));
  const plan = planCells(options.attentions, options);
  const lengthsSorted = [...settings.lengths].sort((a, b) => a - b);
  const finishedBefore = plan.filter((c) => isCellDone(state, c)).length;
  log(
    `compare: ${options.attentions.length} variants × (${settings.lengths.length} lengths + ${options.tasks.length} tasks × ` +
      `${options.seeds.length} seeds) = ${plan.length} cells` +
      (resumed ? `; resuming ${join(outDir, 'compare-state.json')}: ${finishedBefore} already done` : ''),
  );
  const progress = (cell: PlannedCell) => {
    const index = plan.indexOf(cell);
    const remaining = plan.slice(index).filter((c) => !isCellDone(state, c));
    log(
      formatCompareProgress(
        index + 1,
        plan.length,
        cell,
        estimateRemainingSeconds(remaining, finishedCells(state)),
      ),
    );
  };
  const save = () => {
    state.environment = {
      ...state.environment,
      loadAverageEnd: os.loadavg()[0]!,
      finishedAt: new Date().toISOString(),
    };
    saveState(outDir, state);
  };

  const scalingOptions: ScalingRunOptions = {
    mode: 'train',
    attentions: options.attentions,
    lengths: lengthsSorted,
    dim: settings.dim,
    heads: settings.heads,
    batch: settings.batch,
    warmup: settings.warmup,
    repeats: settings.repeats,
    timeLimitSeconds: settings.timeLimitSeconds,
    memoryLimitBytes: settings.memoryLimitBytes,
    decodePositions: [],
  };
  for (const descriptor of descriptors) {
    const variant = descriptor.name;
    if (!state.scaling[variant]) {
      const started = performance.now();
      const before = tf.memory().numTensors;
      const measured = (state.measured[variant] ??= {});
      const series = await runSeries(
        () => attentionWorkload(variant, scalingOptions, Math.max(...lengthsSorted)),
        scalingOptions,
        log,
        {
          cached: (length) => measured[String(length)]?.measurement,
          starting: (length) => progress(plan.find((c) => c.variant === variant && c.length === length)!),
          measured: (length, measurement, seconds) => {
            measured[String(length)] = { measurement, seconds };
            save();
          },
        },
      ).catch((err: unknown) => {
        // A variant that cannot even be built for the sweep: every length records the error.
        const message = err instanceof Error ? err.message : String(err);
        log(`  ${variant}: the train-step sweep failed: ${message}`);
        return {
          name: variant,
          kind: 'attention' as const,
          description: `${variant} attention layer`,
          lengths: lengthsSorted.map((length) => ({ length, status: 'error' as const, message })),
        };
      });
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) log(`  warning: ${leaked} tensors outlived the sweep of ${variant}`);
      state.scaling[variant] = { series, seconds: (performance.now() - started) / 1000 };
      save();
    }
    for (const task of options.tasks) {
      for (const seed of options.seeds) {
        const bySeed = ((state.lra[variant] ??= {})[task] ??= {});
        const cell = plan.find((c) => c.variant === variant && c.task === task && c.seed === seed)!;
        if (isCellDone(state, cell)) continue;
        progress(cell);
        bySeed[String(seed)] = await lraCell(variant, task, seed, options, log);
        save();
      }
    }
  }
  return { state, descriptors, options };
}

/**
 * `--report-only`: the saved state as it is, reported with the settings it was measured with (whatever settings were
 * passed now), every cell not finished as missing. Runs nothing.
 */
function reportFinishedCells(options: CompareOptions, log: (line: string) => void): CompareRun {
  const state = readState(options.outDir);
  if (!state) {
    throw new Error(
      `compare --report-only: no ${join(options.outDir, STATE_FILE)}; run compare with this --out first`,
    );
  }
  const reported: CompareOptions = { ...options, settings: state.settings };
  const plan = planCells(reported.attentions, reported);
  const finished = plan.filter((c) => isCellDone(state, c)).length;
  log(`compare --report-only: reporting ${finished} finished cells; ${plan.length - finished} are missing`);
  return { state, descriptors: reported.attentions.map((name) => describeVariant(name)), options: reported };
}

/** The overrides a task takes: Pathfinder's length is its image (1,024 pixels), so `maxLength` is for ListOps only. */
export function lraOverridesFor(task: CompareTask, overrides: CompareCellSettings['lraOverrides']) {
  if (task === 'listops') return overrides;
  const { maxLength: _ignored, ...rest } = overrides;
  return rest;
}

/** One quick LRA run through the lra command (resumes its own checkpoints), reduced to what the table needs. */
async function lraCell(
  variant: string,
  task: CompareTask,
  seed: number,
  options: CompareOptions,
  log: (line: string) => void,
): Promise<LraCell> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const [result] = await runLraCommand({
      tasks: [task],
      attentions: [variant],
      preset: 'quick',
      block: 'tost',
      dataDir: join(options.outDir, 'data'),
      generate: true,
      outDir: join(options.outDir, 'lra'),
      seed,
      dataSeed: options.settings.dataSeed,
      resume: true,
      backend: options.settings.backend,
      overrides: lraOverridesFor(task, options.settings.lraOverrides),
      ...(options.settings.workers !== undefined ? { workers: options.settings.workers } : {}),
      log,
    });
    return {
      status: 'ok',
      testAccuracy: result!.finalTest.accuracy,
      valAccuracy: result!.finalVal.accuracy,
      majorityAccuracy: result!.majorityTestAccuracy,
      steps: result!.spec.settings.steps,
      seconds: result!.wallSeconds,
      runDir: join('lra', runDirName(result!.spec)),
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`  ${variant} on ${task} (seed ${seed}) failed: ${message}`);
    return { status: 'error', message, seconds: seconds() };
  }
}
