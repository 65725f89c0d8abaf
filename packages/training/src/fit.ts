import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AdamW, type AdamWOptions } from './adamw.js';
import { batchElements, checkBatch, type Batch } from './batch.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { trainableVariables } from './classification.js';
import { evaluate } from './evaluate.js';
import { localGradients, type GradientEngine } from './gradient-engine.js';
import type { ProgressSink } from './progress.js';
import { learningRateAt, type LearningRateSchedule } from './schedule.js';
import { restoreTrainingState, trainingStateTensors } from './training-state.js';

export interface TrainPoint {
  step: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  gradNorm: number;
}

export interface EvalPoint {
  step: number;
  split: string;
  loss: number;
  accuracy: number;
  examples: number;
}

/** Training data: the batches from a 0-based step on (deterministic, so a resumed run sees the same batches). */
export interface FitData {
  train: (fromStep: number) => Iterator<Batch>;
  /** Validation batches, evaluated every `validationEvery` steps (at most `validationBatches` of them). */
  validation?: () => Iterable<Batch>;
}

export interface FitOptions {
  /** Total optimizer steps. */
  steps: number;
  /** Learning rate, warm-up and decay shape (`steps` above is the schedule's length). */
  schedule: Omit<LearningRateSchedule, 'steps'>;
  /** AdamW settings: decay, the weights it skips, clipping. */
  optimizer?: AdamWOptions;
  /** Validate every this many steps (default: never during training). */
  validationEvery?: number;
  validationBatches?: number;
  /** Checkpoints every `every` steps and at the end; `resume` continues from the newest one. */
  checkpoints?: { store: CheckpointStore; every: number; configKey: string; resume: boolean };
  /** Where the gradients are computed (default: this thread); see `startDataParallel` in `@tost/training/node`. */
  engine?: GradientEngine;
  progress?: ProgressSink;
  /** Log lines (resume, start over); default console.log. */
  log?: (line: string) => void;
  /** Stop after this step by throwing `TrainingInterrupted` (tests use it to simulate a kill). */
  stopAfterStep?: number;
}

export interface FitResult {
  curve: TrainPoint[];
  evals: EvalPoint[];
  /** Wall time over all sessions of the run (a resumed run adds to the time before the interruption). */
  wallSeconds: number;
  /** Largest tfjs tensor memory seen in this thread (the first step is profiled kernel by kernel). */
  peakTensorBytes: number;
  /** Process RSS high-water mark (Node; 0 elsewhere). */
  peakRssBytes: number;
  /** Steps per second of this session's training steps (validation and checkpoints excluded). */
  stepsPerSecond: number;
  resumedFromStep?: number;
}

/** Thrown when `stopAfterStep` ends a run early (a stand-in for a killed process in tests). */
export class TrainingInterrupted extends Error {
  constructor(readonly step: number) {
    super(`training interrupted after step ${step}`);
  }
}

const rss = () =>
  typeof process !== 'undefined' && typeof process.memoryUsage === 'function' ? process.memoryUsage().rss : 0;

function checkCount(value: number | undefined, option: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1))
    throw new Error(`fit: ${option} must be a positive integer, got ${value}`);
}

/**
 * Trains a classifier (softmax cross-entropy on its logits) with AdamW, the learning-rate schedule, optional
 * clipping and decay exclusions; a progress state after every step; validation every `validationEvery` steps; a
 * checkpoint (model weights, optimizer moments, curves) every `checkpoints.every` steps and at the end, so a killed
 * run resumed with `checkpoints.resume` loses at most that many steps. `resume` with no checkpoint logs that it
 * starts from step 0; a damaged checkpoint is an error. Without `resume`, existing checkpoints are removed first.
 */
export async function fit(model: tfl.LayersModel, data: FitData, options: FitOptions): Promise<FitResult> {
  checkCount(options.steps, 'steps');
  checkCount(options.validationEvery, 'validationEvery');
  checkCount(options.checkpoints?.every, 'checkpoints.every');
  const log = options.log ?? ((line: string) => console.log(line));
  const variables = trainableVariables(model);
  const optimizer = new AdamW(variables, options.optimizer);
  const engine = options.engine ?? localGradients(model);
  const schedule = { ...options.schedule, steps: options.steps };
  const ckpt = options.checkpoints;

  let startStep = 0;
  let curve: TrainPoint[] = [];
  let evals: EvalPoint[] = [];
  let priorSeconds = 0;
  let resumedFromStep: number | undefined;
  try {
    if (ckpt && !ckpt.resume && ckpt.store.steps().length > 0) {
      // A fresh run must not mix with an older run's checkpoints (keep-the-newest would delete the new ones).
      log(`starting over: removing the checkpoints in ${ckpt.store.location} (resume to continue from them)`);
      ckpt.store.clear();
    }
    if (ckpt?.resume) {
      const saved = await ckpt.store.loadLatest(ckpt.configKey);
      if (!saved) {
        log(`resume: no checkpoint in ${ckpt.store.location}; starting from step 0`);
      } else {
        try {
          restoreTrainingState(saved, model, optimizer);
        } finally {
          tf.dispose([...saved.tensors.values()]);
        }
        startStep = saved.step;
        curve = (saved.extra.curve as TrainPoint[]) ?? [];
        evals = (saved.extra.evals as EvalPoint[]) ?? [];
        priorSeconds = (saved.extra.wallSeconds as number) ?? 0;
        resumedFromStep = startStep;
        log(`resumed from ${saved.file} at step ${startStep}`);
      }
    }
    await engine.weightsChanged(startStep);

    const checkpoint = async (step: number, wallSeconds: number) => {
      await ckpt!.store.save(
        { step, configKey: ckpt!.configKey, extra: { curve, evals, wallSeconds } },
        trainingStateTensors(model, optimizer),
      );
    };

    const started = performance.now();
    const elapsed = () => priorSeconds + (performance.now() - started) / 1000;
    let peakTensorBytes = tf.memory().numBytes;
    let peakRssBytes = rss();
    let sessionSteps = 0;
    let firstStepSeconds = 0;
    let trainSeconds = 0;
    const batches = data.train(startStep);

    for (let step = startStep + 1; step <= options.steps; step++) {
      const next = batches.next();
      if (next.done) throw new Error(`fit: the training data ended before step ${step}`);
      const batch = next.value;
      checkBatch(batch);
      const lr = learningRateAt(step, schedule);
      const stepStart = performance.now();
      const runStep = async () => {
        const r = await engine.gradients(batch, step);
        const norm = optimizer.apply(r.grads, lr);
        tf.dispose(Object.values(r.grads));
        return { ...r, norm };
      };
      let result: Awaited<ReturnType<typeof runStep>> | undefined;
      if (sessionSteps === 0) {
        // The high-water mark lies inside backprop (saved activations), invisible between steps: profile one step,
        // which records the tensor bytes after every kernel. Every step has the same shapes, so one is enough.
        const info = await tf.profile(async () => {
          result = await runStep();
          return [];
        });
        peakTensorBytes = Math.max(peakTensorBytes, info.peakBytes);
      } else {
        result = await runStep();
      }
      const { loss, correct, norm, replicas } = result!;
      const gradNorm = (await norm.data())[0]!;
      norm.dispose();
      await engine.weightsChanged(step);
      if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${step}: loss is ${loss}`);
      const stepSeconds = (performance.now() - stepStart) / 1000;
      trainSeconds += stepSeconds;
      sessionSteps++;
      // On the clock `sessionSeconds` uses, so the pace after it is exactly the time since step 1 ended.
      if (sessionSteps === 1) firstStepSeconds = (performance.now() - started) / 1000;
      peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
      peakRssBytes = Math.max(peakRssBytes, rss());
      curve.push({ step, loss, accuracy: correct / batch.size, learningRate: lr, gradNorm });
      const recent = curve.slice(-20);
      const elements = batchElements(batch);
      options.progress?.progress(
        {
          step,
          totalSteps: options.steps,
          loss: recent.reduce((a, p) => a + p.loss, 0) / recent.length,
          accuracy: recent.reduce((a, p) => a + p.accuracy, 0) / recent.length,
          tokensPerSecond: elements / stepSeconds,
          ...(replicas
            ? {
                replicaTokensPerSecond: replicas.map(
                  (r) => (elements * r.examples) / batch.size / Math.max(r.seconds, 1e-9),
                ),
              }
            : {}),
          elapsedSeconds: elapsed(),
          stepsThisSession: sessionSteps,
          sessionSeconds: (performance.now() - started) / 1000,
          firstStepSeconds,
        },
        step === options.steps,
      );
      if (
        data.validation &&
        options.validationEvery &&
        step % options.validationEvery === 0 &&
        step < options.steps
      ) {
        const v = await evaluate(model, data.validation(), options.validationBatches);
        evals.push({ step, split: 'val', ...v });
        options.progress?.line(
          `  validation @ step ${step}: loss ${v.loss.toFixed(4)}, accuracy ${(100 * v.accuracy).toFixed(2)}% (${v.examples} examples)`,
        );
      }
      if (ckpt && (step % ckpt.every === 0 || step === options.steps)) await checkpoint(step, elapsed());
      if (options.stopAfterStep !== undefined && step >= options.stopAfterStep)
        throw new TrainingInterrupted(step);
    }
    return {
      curve,
      evals,
      wallSeconds: elapsed(),
      peakTensorBytes,
      peakRssBytes,
      stepsPerSecond: sessionSteps / Math.max(trainSeconds, 1e-9),
      resumedFromStep,
    };
  } finally {
    optimizer.dispose();
    if (!options.engine) await engine.dispose();
  }
}
