import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LraTaskName } from '@tost/lra';
import type { StepMeasurement } from '../scaling/measure.js';
import type { ScalingEnvironment, SeriesResult, SweepSettings } from '../scaling/scaling-result.js';

/** Settings every cell depends on: a resumed run must use the same ones (attentions, tasks and seeds may grow). */
export interface CompareCellSettings extends SweepSettings {
  /** Overrides of the quick LRA preset applied to every LRA cell (tests use tiny ones); {} = the preset. */
  lraOverrides: { steps?: number; batchSize?: number; maxLength?: number };
  /** Seed of the generated LRA data, the same for every variant and seed. */
  dataSeed: number;
  backend: string;
  /** Data-parallel replicas of each LRA cell (the same maths for any count); default: the lra command's. */
  workers?: number;
}

/** One LRA cell: a variant trained and tested on a task with one seed, or why it was not run. */
export type LraCell =
  | {
      status: 'ok';
      testAccuracy: number;
      valAccuracy: number;
      majorityAccuracy: number;
      steps: number;
      /** Wall time of the cell (training and evaluation). */
      seconds: number;
      runDir: string;
    }
  | { status: 'n/a'; reason: string }
  | { status: 'error'; message: string; seconds: number };

/** A train-step measurement at one length, with the wall time the cell took (for the ETA). */
export interface MeasuredCell {
  measurement: StepMeasurement;
  seconds: number;
}

export interface CompareState {
  format: 'tost-compare-state-1';
  settings: CompareCellSettings;
  /** The machine, as at the first start (load averages and times updated as cells finish). */
  environment: ScalingEnvironment;
  /** Train-step measurements as they finish: variant → length → measurement. */
  measured: Record<string, Record<string, MeasuredCell>>;
  /** Finished sweeps: variant → its series (outcome per length, log-log fits) and the sweep's wall time. */
  scaling: Record<string, { series: SeriesResult; seconds: number }>;
  /** variant → task → seed → cell. */
  lra: Record<string, Partial<Record<LraTaskName, Record<string, LraCell>>>>;
}

export const STATE_FILE = 'compare-state.json';

/** Settings that change how fast a cell runs, not what it measures (data-parallel replicas give the same maths). */
const NOT_COMPARED: ReadonlySet<keyof CompareCellSettings> = new Set(['workers']);

/** The differences between two cell settings, as `key: stored → requested` (empty when they match). */
export function settingsDifferences(stored: CompareCellSettings, requested: CompareCellSettings): string[] {
  const keys = (Object.keys(requested) as (keyof CompareCellSettings)[]).filter((k) => !NOT_COMPARED.has(k));
  return keys
    .filter((k) => JSON.stringify(stored[k]) !== JSON.stringify(requested[k]))
    .map((k) => `${k}: ${JSON.stringify(stored[k])} → ${JSON.stringify(requested[k])}`);
}

/**
 * The state in `outDir` when it exists (finished cells are kept), else a fresh one. A state made with other cell
 * settings is an error that names them: its cells would not be comparable.
 */
export function openState(
  outDir: string,
  settings: CompareCellSettings,
  environment: ScalingEnvironment,
): { state: CompareState; resumed: boolean } {
  const file = join(outDir, STATE_FILE);
  const state = readState(outDir);
  if (!state) {
    return {
      state: { format: 'tost-compare-state-1', settings, environment, measured: {}, scaling: {}, lra: {} },
      resumed: false,
    };
  }
  const differences = settingsDifferences(state.settings, settings);
  if (differences.length > 0) {
    throw new Error(
      `compare: ${file} holds cells measured with other settings (${differences.join('; ')}); ` +
        'pass another --out, or delete the file to start over',
    );
  }
  return { state, resumed: true };
}

/** The state saved in `outDir`, or undefined when there is none; an unreadable or unknown file is an error. */
export function readState(outDir: string): CompareState | undefined {
  const file = join(outDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  let state: CompareState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as CompareState;
  } catch (err) {
    throw new Error(`compare: cannot read ${file} (${(err as Error).message}); delete it to start over`);
  }
  if (state.format !== 'tost-compare-state-1') {
    throw new Error(`compare: ${file} has unknown format '${String(state.format)}'; delete it to start over`);
  }
  return state;
}

/** Writes the state atomically (temp file + rename): an interrupted write never loses the finished cells. */
export function saveState(outDir: string, state: CompareState): void {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, STATE_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
