import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateLraData, loadLra, type LraSplit, type LraTaskName } from '@tost/lra/node';
import { fileSystem } from '@tost/backend/node';
import { namingFileAsync, readJsonFile } from '../cli/cli-errors.js';
import { RESULT_FILE, type LraRunResult } from '../runs/lra-result.js';
import { buildLraModel, lraModelOptions, type LraModelOptions } from '../runs/lra-model.js';
import '../variants.js';
import type { OverlayImages } from './membership-figures.js';

/** The examples a model is explained on. */
export interface ExplainInputs {
  inputs: tf.Tensor | tf.Tensor[];
  /** Tokens are pixels on this grid (Pathfinder). */
  grid?: { height: number; width: number };
  /** Grey images for overlays (Pathfinder pixels or vision inputs). */
  images?: OverlayImages;
  /** Where the examples come from, for the page. */
  description: string;
}

/** What `explain` analyses: a trained model (if saved), the same architecture with fresh weights, and inputs. */
export interface ExplainSource {
  name: string;
  /** The run's configuration, when explaining an LRA run. */
  run?: LraRunResult;
  loadTrained(): Promise<tfl.LayersModel>;
  buildUntrained(): Promise<tfl.LayersModel>;
  inputs(count: number, seed: number): ExplainInputs;
}

const MODEL_JSON = 'model.json';
const GENERATABLE: LraTaskName[] = ['listops', 'pathfinder'];

/** A saved model's topology, for rebuilding it with fresh weights. */
function readTopology(modelDir: string): object {
  const json = readJsonFile(join(modelDir, MODEL_JSON)) as { modelTopology: object };
  return json.modelTopology;
}

/** Same architecture, fresh initial weights: the saved topology without its weights manifest. */
async function freshFromTopology(modelDir: string): Promise<tfl.LayersModel> {
  return tfl.models.modelFromJSON({ modelTopology: readTopology(modelDir) } as Parameters<
    typeof tfl.models.modelFromJSON
  >[0]);
}

async function loadSaved(modelDir: string): Promise<tfl.LayersModel> {
  if (!existsSync(join(modelDir, MODEL_JSON))) {
    throw new Error(
      `no trained model at ${modelDir} (${MODEL_JSON} missing); LRA runs save theirs in RUN_DIR/model. ` +
        `Pass --untrained to explain the same architecture with fresh weights`,
    );
  }
  return namingFileAsync(modelDir, () => tfl.loadLayersModel(fileSystem(modelDir)));
}

/** `--run RUN_DIR`: an LRA run directory (result.json, and the trained model in model/). */
export function runSource(
  runDir: string,
  dataRoot: string | undefined,
  log: (line: string) => void,
): ExplainSource {
  const file = join(runDir, RESULT_FILE);
  if (!existsSync(file))
    throw new Error(`--run ${runDir}: no ${RESULT_FILE} there (is it an LRA run directory?)`);
  const run = readJsonFile(file) as LraRunResult;
  if (run === null || typeof run !== 'object' || run.format !== 'tost-lra-run-1' || !run.spec?.task) {
    throw new Error(
      `--run ${runDir}: ${RESULT_FILE} is not an LRA run result (format '${String((run as Partial<LraRunResult> | null)?.format)}')`,
    );
  }
  const spec = run.spec;
  const modelDir = join(runDir, 'model');
  let splits: ReturnType<typeof loadLra> | undefined;
  const wanted = {
    task: spec.task,
    preset: spec.preset,
    seed: spec.seed,
    maxLength: spec.settings.maxLength,
  };
  // The run records the exact data directory it trained on: use it unless --data says otherwise. When it is gone,
  // other data stands in for it, and both the log and the page say so.
  const recorded = run.model?.dataDir;
  let note: string | undefined;
  const data = () => {
    if (splits) return splits;
    if (dataRoot === undefined && recorded !== undefined && existsSync(recorded)) {
      return (splits = loadLra(spec.task, recorded, run.model!.loadOptions ?? {}));
    }
    const loaded = loadTaskData(wanted, dataRoot ?? 'data', log);
    if (dataRoot === undefined && recorded !== undefined) {
      note =
        `the run's data folder ${recorded} is gone: these examples come from ${loaded.dir}` +
        (loaded.generated ? ' (freshly generated)' : '') +
        ', NOT the data the model was trained and tested on';
      log(`explain: ${note}`);
    }
    return (splits = loaded.splits);
  };
  return {
    name: runDir.replace(/\/+$/, '').split('/').pop() ?? runDir,
    run,
    loadTrained: () => loadSaved(modelDir),
    buildUntrained: () =>
      existsSync(join(modelDir, MODEL_JSON))
        ? freshFromTopology(modelDir)
        : Promise.resolve(buildFromSpec(run, data().test)),
    inputs: (count) => {
      const test = data().test;
      return splitInputs(test, count, spec.task, note);
    },
  };
}

function isLraRunResult(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    return (readJsonFile(file) as Partial<LraRunResult> | null)?.format === 'tost-lra-run-1';
  } catch {
    return false;
  }
}

/** `--checkpoint MODEL_DIR`: a saved model; inputs from `--data` + `--task`, else random tokens or images. */
export function checkpointSource(
  modelDir: string,
  dataRoot: string | undefined,
  task: LraTaskName | undefined,
  log: (line: string) => void,
): ExplainSource {
  // An LRA run's model directory: use the run (its task and data) when its result.json sits beside it. Any other
  // result.json there (e.g. a `tost-bench quality` cell) is not ours to read: the model is explained on its own.
  const parent = dirname(resolve(modelDir));
  if (!task && isLraRunResult(join(parent, RESULT_FILE))) {
    const source = runSource(parent, dataRoot ?? 'data', log);
    return {
      ...source,
      loadTrained: () => loadSaved(modelDir),
      buildUntrained: () => freshFromTopology(modelDir),
    };
  }
  if (!existsSync(join(modelDir, MODEL_JSON)))
    throw new Error(`--checkpoint ${modelDir}: no ${MODEL_JSON} there`);
  return {
    name: resolve(modelDir).split('/').pop() ?? modelDir,
    loadTrained: () => loadSaved(modelDir),
    buildUntrained: () => freshFromTopology(modelDir),
    inputs: (count, seed) => {
      if (task) {
        const maxLength = inputLength(readTopology(modelDir));
        const loaded = loadTaskData({ task, preset: 'quick', seed: 1, maxLength }, dataRoot ?? 'data', log);
        return splitInputs(
          loaded.splits.test,
          count,
          task,
          loaded.generated ? `freshly generated ${task} data in ${loaded.dir}` : undefined,
        );
      }
      return randomInputs(modelDir, count, seed);
    },
  };
}

function inputLength(topology: object): number | undefined {
  const text = JSON.stringify(topology);
  const match = /"batch_input_shape":\[null,(\d+)\]/.exec(text);
  return match ? Number(match[1]) : undefined;
}

interface DataWanted {
  task: LraTaskName;
  preset: string;
  seed: number;
  maxLength?: number;
}

/**
 * The task's data under `dataRoot` as the lra command lays it out; ListOps/Pathfinder are generated if absent (and
 * the log says so). Returns where the data came from.
 */
function loadTaskData(
  spec: DataWanted,
  dataRoot: string,
  log: (line: string) => void,
): { splits: ReturnType<typeof loadLra>; dir: string; generated: boolean } {
  const quickDir = join(dataRoot, `${spec.task}-quick`);
  const fullDir = join(dataRoot, spec.task);
  const candidates = spec.preset === 'quick' ? [quickDir, fullDir] : [fullDir, quickDir];
  let dir = candidates.find((d) => existsSync(d));
  if (!dir) {
    if (!GENERATABLE.includes(spec.task)) {
      throw new Error(
        `no ${spec.task} data under ${dataRoot} (looked for ${candidates.join(', ')}); pass --data DIR`,
      );
    }
    dir = quickDir;
    log(
      `explain: no ${spec.task} data under ${dataRoot}: generating a small (quick) set into ${dir} for the examples ` +
        '(substitute data, not a released or recorded set) ...',
    );
    generateLraData(spec.task as 'listops' | 'pathfinder', dir, { quick: true, seed: spec.seed });
    return {
      splits: loadLra(spec.task, dir, spec.maxLength ? { maxLength: spec.maxLength } : {}),
      dir,
      generated: true,
    };
  }
  return {
    splits: loadLra(spec.task, dir, spec.maxLength ? { maxLength: spec.maxLength } : {}),
    dir,
    generated: false,
  };
}

/** The first `count` test examples as model inputs; Pathfinder's pixels also as grid and overlay images. */
function splitInputs(split: LraSplit, count: number, task: LraTaskName, note?: string): ExplainInputs {
  const n = Math.min(count, split.size);
  if (n === 0) throw new Error(`the ${task} test split is empty`);
  const L = split.maxLength;
  const first = new Int32Array(n * L);
  for (let i = 0; i < n; i++) first.set(split.tokens(i), i * L);
  const inputs: tf.Tensor | tf.Tensor[] = split.dual
    ? [
        tf.tensor2d(first, [n, L], 'int32'),
        tf.tensor2d(
          concatRows(n, L, (i) => split.tokens2!(i)),
          [n, L],
          'int32',
        ),
      ]
    : tf.tensor2d(first, [n, L], 'int32');
  const description = `the first ${n} test examples of ${task} (${L} tokens each)${note ? `; ${note}` : ''}`;
  if (task === 'pathfinder' || task === 'pathx') {
    const side = Math.round(Math.sqrt(L));
    const pixels = Array.from({ length: n }, (_, i) =>
      Float32Array.from(first.subarray(i * L, (i + 1) * L), (v) => v / 255),
    );
    return { inputs, grid: { height: side, width: side }, images: { side, pixels }, description };
  }
  return { inputs, description };
}

function concatRows(n: number, L: number, rowOf: (i: number) => Int32Array): Int32Array {
  const out = new Int32Array(n * L);
  for (let i = 0; i < n; i++) out.set(rowOf(i), i * L);
  return out;
}

/** Random inputs matching a saved model's input: token ids in [1, vocab) or uniform images. */
function randomInputs(modelDir: string, count: number, seed: number): ExplainInputs {
  const topology = readTopology(modelDir);
  const text = JSON.stringify(topology);
  const shapes = [...text.matchAll(/"batch_input_shape":\[null((?:,\d+)+)\]/g)].map((m) =>
    m[1]!.slice(1).split(',').map(Number),
  );
  if (shapes.length === 0) throw new Error(`--checkpoint ${modelDir}: cannot read the model's input shape`);
  if (shapes[0]!.length === 3) {
    const [h, w, c] = shapes[0] as [number, number, number];
    const images = tf.randomUniform([count, h, w, c], 0, 1, 'float32', seed);
    const grey = tf.tidy(() => tf.mean(images, 3).dataSync());
    const pixels = Array.from(
      { length: count },
      (_, i) => grey.slice(i * h * w, (i + 1) * h * w) as Float32Array,
    );
    return {
      inputs: images,
      images: { side: h, pixels },
      description: `${count} random uniform images ${h}×${w}×${c} (no --data given)`,
    };
  }
  // TokenEmbedding serialises its config in tfjs' snake case (`vocab_size`).
  const vocab = Number(/"vocab(?:Size|_size)":(\d+)/.exec(text)?.[1] ?? 2);
  const inputs = shapes.map((s, k) =>
    tf.randomUniform([count, s[0]!], 1, Math.max(2, vocab), 'int32', seed + k),
  );
  return {
    inputs: inputs.length === 1 ? inputs[0]! : inputs,
    description: `${count} random token sequences (ids 1…${vocab - 1}; no --data/--task given)`,
  };
}

/**
 * The run's architecture with fresh weights (when no model was saved): the builder options the run recorded, else
 * the same derivation the lra command used.
 */
function buildFromSpec(run: LraRunResult, split: LraSplit): tfl.LayersModel {
  const options = (run.model?.options as LraModelOptions | undefined) ?? lraModelOptions(run.spec, split);
  return buildLraModel(options, split.dual);
}
