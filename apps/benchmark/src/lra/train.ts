import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  iterateBatches,
  majorityClassAccuracy,
  type LraBatch,
  type LraSplit,
  type LraTaskName,
} from '@tost/lra';
import { AdamW } from './adamw.js';
import { listCheckpointSteps, loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';
import { learningRateAt } from './schedule.js';
import { formatProgress, ProgressPrinter } from './progress.js';
import type { LraSettings, PresetName } from './presets.js';

export interface TrainPoint {
  step: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  gradNorm: number;
}

export interface EvalPoint {
  step: number;
  split: 'val' | 'test';
  loss: number;
  accuracy: number;
  examples: number;
}

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
  /** Largest tfjs tensor memory seen, sampled at the end of each step before its activations are freed. */
  peakTensorBytes: number;
  /** Process RSS high-water mark (the whole process: earlier runs of the same command count too). */
  peakRssBytes: number;
  resumedFromStep?: number;
}

export interface TrainOptions {
  model: tfl.LayersModel;
  splits: { train: LraSplit; val: LraSplit; test: LraSplit };
  spec: LraRunSpec;
  checkpointDir: string;
  /** Continue from the newest checkpoint in checkpointDir (an error if it is damaged). */
  resume: boolean;
  log?: (line: string) => void;
  progress?: ProgressPrinter;
  /** Stop after this step (tests use it to simulate a kill between checkpoints). */
  stopAfterStep?: number;
}

/** A stable fingerprint of what determines the run, so a checkpoint is only resumed by the same run. */
export function configKey(spec: LraRunSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

function batchInputs(batch: LraBatch, maxLength: number, dual: boolean): tf.Tensor | tf.Tensor[] {
  const first = tf.tensor2d(batch.tokens, [batch.size, maxLength], 'int32');
  if (!dual) return first;
  return [first, tf.tensor2d(batch.tokens2!, [batch.size, maxLength], 'int32')];
}

/** Cross-entropy and accuracy of a batch; `logits` [B, classes]. */
function lossAndCorrect(
  logits: tf.Tensor,
  labels: tf.Tensor1D,
  numClasses: number,
): { loss: tf.Scalar; correct: tf.Scalar } {
  const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')) as tf.Scalar;
  return { loss, correct };
}

/** Accuracy and mean loss over (at most `maxBatches` batches of) a split. */
export async function evaluate(
  model: tfl.LayersModel,
  split: LraSplit,
  batchSize: number,
  step: number,
  name: 'val' | 'test',
  maxBatches = Infinity,
): Promise<EvalPoint> {
  let lossSum = 0;
  let correct = 0;
  let examples = 0;
  let batches = 0;
  for (const batch of iterateBatches(split, { batchSize, dropRemainder: false })) {
    if (batches++ >= maxBatches) break;
    const [l, c] = tf.tidy(() => {
      const inputs = batchInputs(batch, split.maxLength, split.dual);
      const logits = model.predict(inputs) as tf.Tensor;
      const r = lossAndCorrect(logits, tf.tensor1d(batch.labels, 'int32'), split.numClasses);
      return [tf.mul(r.loss, batch.size), r.correct];
    });
    lossSum += (await l!.data())[0]!;
    correct += (await c!.data())[0]!;
    examples += batch.size;
    tf.dispose([l!, c!]);
  }
  return {
    step,
    split: name,
    loss: lossSum / Math.max(1, examples),
    accuracy: correct / Math.max(1, examples),
    examples,
  };
}

/** The training batch for a 0-based global step: epoch e uses shuffle seed (seed + e); resumable by construction. */
function* trainBatches(
  split: LraSplit,
  batchSize: number,
  seed: number,
  fromStep: number,
): Generator<LraBatch> {
  const perEpoch = Math.floor(split.size / batchSize);
  if (perEpoch === 0)
    throw new Error(`training split has ${split.size} examples, fewer than one batch of ${batchSize}`);
  let epoch = Math.floor(fromStep / perEpoch);
  let startBatch = fromStep % perEpoch;
  for (;;) {
    yield* iterateBatches(split, { batchSize, shuffleSeed: seed + epoch, dropRemainder: true, startBatch });
    epoch++;
    startBatch = 0;
  }
}

/**
 * The LRA training loop: AdamW with the preset's schedule, decay and clipping; progress line; validation every
 * `evalEvery` steps; a checkpoint every `checkpointEvery` steps (model weights, optimizer moments, curves), so a
 * killed run resumed with `resume` loses at most `checkpointEvery` steps; final validation and test accuracy.
 */
export async function trainLra(options: TrainOptions): Promise<LraRunOutcome> {
  const { model, splits, spec, checkpointDir } = options;
  const s = spec.settings;
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = options.progress ?? new ProgressPrinter();
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new AdamW(variables, { weightDecay: s.weightDecay, clipNorm: s.clipNorm });
  const key = configKey(spec);

  let startStep = 0;
  let curve: TrainPoint[] = [];
  let evals: EvalPoint[] = [];
  let priorSeconds = 0;
  let resumedFromStep: number | undefined;
  if (!options.resume && listCheckpointSteps(checkpointDir).length > 0) {
    // A fresh run must not mix with an older run's checkpoints (keep-the-newest would delete the new ones).
    log(`starting over: removing the checkpoints in ${checkpointDir} (pass --resume to continue from them)`);
    rmSync(checkpointDir, { recursive: true, force: true });
  }
  if (options.resume) {
    const ckpt = loadLatestCheckpoint(checkpointDir, key);
    if (ckpt) {
      const weights = model.weights.map((w, i) => {
        const t = ckpt.tensors.get(`model/${i}/${w.originalName}`);
        if (!t) throw new Error(`checkpoint ${ckpt.file} has no tensor for model weight '${w.originalName}'`);
        return t;
      });
      model.setWeights(weights);
      optimizer.restore(
        ckpt.step,
        variables.flatMap((_, i) => [
          ckpt.tensors.get(`optimizer/${i}/m`)!,
          ckpt.tensors.get(`optimizer/${i}/v`)!,
        ]),
      );
      tf.dispose([...ckpt.tensors.values()]);
      startStep = ckpt.step;
      curve = (ckpt.extra.curve as TrainPoint[]) ?? [];
      evals = (ckpt.extra.evals as EvalPoint[]) ?? [];
      priorSeconds = (ckpt.extra.wallSeconds as number) ?? 0;
      resumedFromStep = startStep;
      log(`resumed from ${ckpt.file} at step ${startStep}`);
    }
  }

  const checkpoint = async (step: number, wallSeconds: number) => {
    const state = optimizer.state();
    await saveCheckpoint(checkpointDir, { step, configKey: key, extra: { curve, evals, wallSeconds } }, [
      ...model.weights.map((w, i) => ({ name: `model/${i}/${w.originalName}`, tensor: w.read() })),
      ...state.moments.map((t, i) => ({ name: `optimizer/${i >> 1}/${i % 2 === 0 ? 'm' : 'v'}`, tensor: t })),
    ]);
  };

  const started = performance.now();
  const elapsed = () => priorSeconds + (performance.now() - started) / 1000;
  let peakTensorBytes = tf.memory().numBytes;
  let peakRssBytes = process.memoryUsage().rss;
  const tokensPerStep = s.batchSize * splits.train.maxLength * (splits.train.dual ? 2 : 1);
  let sessionSteps = 0;
  const batches = trainBatches(splits.train, s.batchSize, spec.seed, startStep);

  for (let step = startStep + 1; step <= s.steps; step++) {
    const batch = batches.next().value as LraBatch;
    const lr = learningRateAt(step, s);
    const stepStart = performance.now();
    const computeStep = () =>
      tf.tidy(() => {
        const inputs = batchInputs(batch, splits.train.maxLength, splits.train.dual);
        const labels = tf.tensor1d(batch.labels, 'int32');
        let correct: tf.Scalar | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.apply(inputs, { training: true }) as tf.Tensor;
          const r = lossAndCorrect(logits, labels, splits.train.numClasses);
          correct = tf.keep(r.correct);
          return r.loss;
        }, variables);
        const norm = optimizer.apply(grads, lr);
        return { lossT: value, correctT: correct!, normT: norm };
      });
    let stepTensors: ReturnType<typeof computeStep> | undefined;
    if (sessionSteps === 0) {
      // The high-water mark lies inside backprop (saved activations), invisible between steps: profile one step,
      // which records the tensor bytes after every kernel. Every step has the same shapes, so one is enough.
      const info = await tf.profile(() => {
        stepTensors = computeStep();
        return [];
      });
      peakTensorBytes = Math.max(peakTensorBytes, info.peakBytes);
    } else {
      stepTensors = computeStep();
    }
    const { lossT, correctT, normT } = stepTensors!;
    const [loss, correct, gradNorm] = await Promise.all([lossT.data(), correctT.data(), normT.data()]);
    tf.dispose([lossT, correctT, normT]);
    if (!Number.isFinite(loss[0]!)) throw new Error(`training diverged at step ${step}: loss is ${loss[0]}`);
    sessionSteps++;
    peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    const point: TrainPoint = {
      step,
      loss: loss[0]!,
      accuracy: correct[0]! / batch.size,
      learningRate: lr,
      gradNorm: gradNorm[0]!,
    };
    curve.push(point);
    const stepSeconds = (performance.now() - stepStart) / 1000;
    const recent = curve.slice(-20);
    progress.update(
      formatProgress({
        step,
        totalSteps: s.steps,
        loss: recent.reduce((a, p) => a + p.loss, 0) / recent.length,
        accuracy: recent.reduce((a, p) => a + p.accuracy, 0) / recent.length,
        tokensPerSecond: tokensPerStep / stepSeconds,
        elapsedSeconds: elapsed(),
        stepsThisSession: sessionSteps,
        sessionSeconds: (performance.now() - started) / 1000,
      }),
      step === s.steps,
    );
    if (step % s.evalEvery === 0 && step < s.steps) {
      const v = await evaluate(model, splits.val, s.batchSize, step, 'val', s.evalBatches);
      evals.push(v);
      progress.update(
        `  validation @ step ${step}: loss ${v.loss.toFixed(4)}, accuracy ${(100 * v.accuracy).toFixed(2)}% (${v.examples} examples)`,
        true,
      );
    }
    if (step % s.checkpointEvery === 0 || step === s.steps) await checkpoint(step, elapsed());
    if (options.stopAfterStep !== undefined && step >= options.stopAfterStep) {
      optimizer.dispose();
      throw new TrainingInterrupted(step);
    }
  }

  const finalVal = await evaluate(model, splits.val, s.batchSize, s.steps, 'val');
  const finalTest = await evaluate(model, splits.test, s.batchSize, s.steps, 'test');
  evals.push(finalVal, finalTest);
  optimizer.dispose();
  return {
    spec,
    curve,
    evals,
    finalVal,
    finalTest,
    majorityTestAccuracy: majorityClassAccuracy(splits.test),
    parameters: model.countParams(),
    wallSeconds: elapsed(),
    peakTensorBytes,
    peakRssBytes,
    resumedFromStep,
  };
}

/** Thrown when `stopAfterStep` ends a run early (a stand-in for a killed process in tests). */
export class TrainingInterrupted extends Error {
  constructor(readonly step: number) {
    super(`training interrupted after step ${step}`);
  }
}
