import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { LraTaskName, PathfinderDifficulty } from '@tost/lra';
import type { SequencePooling } from '@tost/models';
import type { EvalPoint, TrainPoint } from '@tost/training';

/** Model and schedule settings of one LRA run. */
export interface LraSettings {
  depth: number;
  dim: number;
  heads: number;
  /** MLP hidden width = dim · mlpRatio. */
  mlpRatio: number;
  batchSize: number;
  learningRate: number;
  steps: number;
  warmup: number;
  schedule: 'rsqrt' | 'cosine';
  weightDecay: number;
  clipNorm: number;
  dropout: number;
  attentionDropout: number;
  /** How the encoder's tokens become one vector (see buildSequenceClassifier's `pooling`). */
  pooling: SequencePooling;
  positional: 'learned' | 'sinusoidal';
  /** Tokens per example (per document for retrieval). */
  maxLength: number;
  /** Validation every this many steps, over at most `evalBatches` batches. */
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
}

export type PresetName = 'paper' | 'quick';

/** The LRA tasks in the order tables list them. */
export const LRA_TASK_ORDER: LraTaskName[] = ['listops', 'text', 'retrieval', 'image', 'pathfinder', 'pathx'];

export interface LraRunSpec {
  task: LraTaskName;
  attention: string;
  preset: PresetName;
  block: 'tost' | 'crate';
  seed: number;
  settings: LraSettings;
}

export interface LraRunOutcome {
  spec: LraRunSpec;
  curve: TrainPoint[];
  evals: EvalPoint[];
  finalVal: EvalPoint;
  finalTest: EvalPoint;
  majorityTestAccuracy: number;
  parameters: number;
  /** Wall time over all sessions of the run (a resumed run adds to the time before the interruption). */
  wallSeconds: number;
  /** Training steps per second in the last session (validation, checkpoints and final evaluation excluded). */
  stepsPerSecond?: number;
  /** Data-parallel replicas (1 = the main thread only). */
  workers?: number;
  /** Largest tfjs tensor memory seen in the main thread, sampled kernel by kernel over the first step. */
  peakTensorBytes: number;
  /** Process RSS high-water mark (the whole process: earlier runs of the same command count too). */
  peakRssBytes: number;
  resumedFromStep?: number;
}

/** The file one LRA run writes: everything needed to read, plot or compare it later. */
export interface LraRunResult extends LraRunOutcome {
  format: 'tost-lra-run-1';
  backend: string;
  versions: Record<string, string>;
  finishedAt: string;
  /** True for the scaled-down quick preset: not comparable with published numbers. */
  quick: boolean;
  /** What `tost-bench explain` needs to load the trained model and rebuild its inputs. */
  model?: SavedLraModel;
}

/** What `loadLra` needs besides the directory (recorded in result.json so `explain` can reload the data). */
export interface DataLoadOptions {
  maxLength: number;
  /** Pathfinder / Path-X: which contour setting (absent = the loader's default, hard). */
  difficulty?: PathfinderDifficulty;
}

/** The saved model of a run: RUN_DIR/<dir> holds model.json + weights.bin (load with fileSystem from @tost/backend/node). */
export interface SavedLraModel {
  /** Relative to the run directory. */
  dir: string;
  task: LraTaskName;
  /** Absolute data directory: `loadLra(task, dataDir, loadOptions)` gives the same splits. */
  dataDir: string;
  loadOptions: DataLoadOptions;
  /** Input length (tokens per document), vocabulary (embedding rows incl. pad 0), classes, two documents. */
  maxLength: number;
  vocabSize: number;
  numClasses: number;
  dual: boolean;
  /** The options the model was built with (buildSequenceClassifier, or buildDualEncoderClassifier when dual). */
  options: Record<string, unknown>;
}

export const RESULT_FILE = 'result.json';

export function writeRunResult(runDir: string, result: LraRunResult): string {
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, RESULT_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Every result.json directly in `root` or one level below (run directories). Unreadable files are errors. */
export function readRunResults(root: string): LraRunResult[] {
  if (!existsSync(root)) throw new Error(`no runs directory at ${root}`);
  const files: string[] = [];
  if (existsSync(join(root, RESULT_FILE))) files.push(join(root, RESULT_FILE));
  for (const entry of readdirSync(root)) {
    const candidate = join(root, entry, RESULT_FILE);
    if (statSync(join(root, entry)).isDirectory() && existsSync(candidate)) files.push(candidate);
  }
  return files.map((file) => {
    try {
      const r = JSON.parse(readFileSync(file, 'utf8')) as LraRunResult;
      if (r.format !== 'tost-lra-run-1') throw new Error(`unknown format '${String(r.format)}'`);
      return r;
    } catch (err) {
      throw new Error(`cannot read run result ${file}: ${(err as Error).message}`);
    }
  });
}
