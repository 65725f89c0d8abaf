import type * as tfl from '@tensorflow/tfjs-layers';
import { noWeightDecayPattern } from '@tost/attention';
import { createHash } from 'node:crypto';
import { iterateBatches, majorityClassAccuracy, type LraBatch, type LraSplit } from '@tost/lra';
import {
  evaluate,
  fit,
  type Batch,
  type EvalPoint,
  type GradientEngine,
  type ProgressSink,
  type TrainPoint,
} from '@tost/training';
import { FileCheckpoints, startDataParallel } from '@tost/training/node';
import type { LraRunOutcome, LraRunSpec } from '../runs/lra-result.js';

export type { LraRunOutcome, LraRunSpec };

export type { EvalPoint, TrainPoint };

/**
 * Weights AdamW leaves undecayed: the union of the registered variants' descriptor `noWeightDecay` patterns (TSSA's
 * temperature, causal TSSA's denominator bias, ...).
 */
function noWeightDecay(): RegExp[] {
  const pattern = noWeightDecayPattern();
  return pattern ? [pattern] : [];
}

export interface TrainOptions {
  model: tfl.LayersModel;
  splits: { train: LraSplit; val: LraSplit; test: LraSplit };
  spec: LraRunSpec;
  checkpointDir: string;
  /** Continue from the newest checkpoint in checkpointDir (none: a note, then step 0; damaged: an error). */
  resume: boolean;
  /** Data-parallel replicas (worker threads + this one); default 1. */
  workers?: number;
  /** Modules the workers import to register the model's layers (default: @tost/models and the variants). */
  workerImports?: string[];
  log?: (line: string) => void;
  progress?: ProgressSink;
  /** Stop after this step (tests use it to simulate a kill between checkpoints). */
  stopAfterStep?: number;
}

/** A stable fingerprint of what determines the run, so a checkpoint is only resumed by the same run. */
export function configKey(spec: LraRunSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** An LRA batch as @tost/training's Batch: one input of [maxLength] tokens, two for dual (retrieval) splits. */
export function toBatch(batch: LraBatch, maxLength: number): Batch {
  const inputs = [{ values: batch.tokens, shape: [maxLength] }];
  if (batch.tokens2) inputs.push({ values: batch.tokens2, shape: [maxLength] });
  return { inputs, labels: batch.labels, size: batch.size };
}

/** The training batch from a 0-based global step: epoch e uses shuffle seed (seed + e); resumable by construction. */
function* trainBatches(split: LraSplit, batchSize: number, seed: number, fromStep: number): Generator<Batch> {
  const perEpoch = Math.floor(split.size / batchSize);
  if (perEpoch === 0)
    throw new Error(`training split has ${split.size} examples, fewer than one batch of ${batchSize}`);
  let epoch = Math.floor(fromStep / perEpoch);
  let startBatch = fromStep % perEpoch;
  for (;;) {
    for (const b of iterateBatches(split, {
      batchSize,
      shuffleSeed: seed + epoch,
      dropRemainder: true,
      startBatch,
    }))
      yield toBatch(b, split.maxLength);
    epoch++;
    startBatch = 0;
  }
}

function* evalBatches(split: LraSplit, batchSize: number): Generator<Batch> {
  for (const b of iterateBatches(split, { batchSize, dropRemainder: false }))
    yield toBatch(b, split.maxLength);
}

/** What registers the model's layers in a worker thread (see replica-imports.ts). */
const REPLICA_IMPORTS = new URL('./replica-imports.js', import.meta.url).href;

/**
 * Trains one LRA run with @tost/training's `fit` (AdamW with the preset's schedule, decay and clipping, checkpoints,
 * resume, optional data-parallel workers), then evaluates the final model on the whole validation and test splits.
 */
export async function trainLra(options: TrainOptions): Promise<LraRunOutcome> {
  const { model, splits, spec } = options;
  const s = spec.settings;
  const workers = options.workers ?? 1;
  let engine: GradientEngine | undefined;
  if (workers > 1) {
    engine = await startDataParallel(model, {
      replicas: workers,
      imports: options.workerImports ?? [REPLICA_IMPORTS],
    });
  }
  try {
    const result = await fit(
      model,
      {
        train: (from) => trainBatches(splits.train, s.batchSize, spec.seed, from),
        validation: () => evalBatches(splits.val, s.batchSize),
      },
      {
        steps: s.steps,
        schedule: { learningRate: s.learningRate, warmup: s.warmup, schedule: s.schedule },
        optimizer: { weightDecay: s.weightDecay, clipNorm: s.clipNorm, noWeightDecay: noWeightDecay() },
        validationEvery: s.evalEvery,
        validationBatches: s.evalBatches,
        checkpoints: {
          store: new FileCheckpoints(options.checkpointDir),
          every: s.checkpointEvery,
          configKey: configKey(spec),
          resume: options.resume,
        },
        engine,
        progress: options.progress,
        log: options.log,
        stopAfterStep: options.stopAfterStep,
      },
    );
    const finalVal: EvalPoint = {
      step: s.steps,
      split: 'val',
      ...(await evaluate(model, evalBatches(splits.val, s.batchSize))),
    };
    const finalTest: EvalPoint = {
      step: s.steps,
      split: 'test',
      ...(await evaluate(model, evalBatches(splits.test, s.batchSize))),
    };
    return {
      spec,
      curve: result.curve,
      evals: [...result.evals, finalVal, finalTest],
      finalVal,
      finalTest,
      majorityTestAccuracy: majorityClassAccuracy(splits.test),
      parameters: model.countParams(),
      wallSeconds: result.wallSeconds,
      stepsPerSecond: result.stepsPerSecond,
      workers,
      peakTensorBytes: result.peakTensorBytes,
      peakRssBytes: result.peakRssBytes,
      resumedFromStep: result.resumedFromStep,
    };
  } finally {
    await engine?.dispose();
  }
}
