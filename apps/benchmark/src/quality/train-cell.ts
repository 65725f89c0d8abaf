import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { noWeightDecayPattern } from '@tost/attention';
import { tokenAccuracyCounts, tokenCrossEntropy } from '@tost/models';
import {
  AdamW,
  learningRateAt,
  restoreTrainingState,
  trainableVariables,
  TrainingInterrupted,
  trainingStateTensors,
  type CheckpointStore,
  type LoadedCheckpoint,
  type ProgressSink,
} from '@tost/training';

/** A batch of token ids [size, length] and labels shaped as the model's logits without the class axis. */
export interface TokenBatch {
  ids: Int32Array;
  length: number;
  /** [size] (sequence classification) or [size, length] (one label per position, −100 = unlabelled). */
  labels: Int32Array;
  size: number;
}

export interface TrainCellOptions {
  model: tfl.LayersModel;
  /** The batch of 0-based step n. */
  batch: (step: number) => TokenBatch;
  steps: number;
  learningRate: number;
  /** Decoupled weight decay (default 0.1). */
  weightDecay?: number;
  /** Warm-up fraction of the steps (default 0.1), then cosine decay to 0: a one-cycle schedule. */
  warmupFraction?: number;
  progress?: ProgressSink;
  /**
   * Resume from the newest checkpoint of `configKey` in `store`, if any, and write one (weights, optimizer moments,
   * the loss curve) whenever `everySeconds` (default 60) of wall time have passed since the last, and after the last
   * step, so a killed run loses at most that much work. A resumed run ends bit for bit like an uninterrupted one: the
   * batch of each step is fixed by the step, the state by the checkpoint. A checkpoint that cannot be used (damaged,
   * of another configuration or backend) is logged, removed, and the run starts over: that costs time, not results.
   */
  checkpoints?: { store: CheckpointStore; configKey: string; everySeconds?: number };
  /** Milliseconds for step times and the checkpoint cadence (default `performance.now`; tests pass a fake clock). */
  clock?: () => number;
  /** Log lines (resumed from …, starting over); default console.log. */
  log?: (line: string) => void;
  /** Stop after this step by throwing `TrainingInterrupted` (tests use it to simulate a kill). */
  stopAfterStep?: number;
}

export interface TrainCellResult {
  /** Training loss (nats) of the last 20 steps, averaged. */
  finalLoss: number;
  wallSeconds: number;
  /** Median seconds of one training step (forward, backward, update), steps after the first of each session. */
  stepSeconds: number;
  /** The step of the checkpoint this run continued from, when it was resumed. */
  resumedFromStep?: number;
}

/** What a checkpoint of `trainCell` keeps besides tensors. */
interface CellCurves {
  /** tf.getBackend() of the run that wrote it: a run on another backend starts over. */
  backend: string;
  losses: number[];
  accuracies: number[];
  times: number[];
  wallSeconds: number;
}

function tensorsOf(batch: TokenBatch): { ids: tf.Tensor2D; labels: tf.Tensor } {
  const ids = tf.tensor2d(batch.ids, [batch.size, batch.length], 'int32');
  const perPosition = batch.labels.length === batch.size * batch.length;
  const labels = perPosition
    ? tf.tensor2d(batch.labels, [batch.size, batch.length], 'int32')
    : tf.tensor1d(batch.labels, 'int32');
  return { ids, labels };
}

/**
 * Restores the model and the optimizer from the newest checkpoint of the run and returns its step, file and curves;
 * undefined when there is none, or when it cannot be used — damaged, of another configuration, written on another
 * backend, or missing a tensor — then it is logged and removed, and the run starts over. Disposes what it loaded.
 */
async function resume(
  ckpt: NonNullable<TrainCellOptions['checkpoints']>,
  backend: string,
  model: tfl.LayersModel,
  optimizer: AdamW,
  log: (line: string) => void,
): Promise<{ step: number; file: string; curves: CellCurves } | undefined> {
  const startOver = (why: string) => {
    log(`${why}starting over from step 0`);
    ckpt.store.clear();
    return undefined;
  };
  let saved: LoadedCheckpoint | undefined;
  try {
    saved = await ckpt.store.loadLatest(ckpt.configKey);
  } catch (err) {
    return startOver(`cannot resume: ${(err as Error).message}; removing ${ckpt.store.location} and `);
  }
  if (!saved) return undefined;
  try {
    const curves = saved.extra as unknown as Partial<CellCurves>;
    if (curves.backend !== backend)
      return startOver(
        `cannot resume from ${saved.file}: it was written on the ${curves.backend ?? 'unknown'} backend, this run is ` +
          `on ${backend} (a run is resumed on its own backend only); `,
      );
    try {
      restoreTrainingState(saved, model, optimizer);
    } catch (err) {
      return startOver(`cannot resume from ${saved.file} (${(err as Error).message}); `);
    }
    return { step: saved.step, file: saved.file, curves: curves as CellCurves };
  } finally {
    tf.dispose([...saved.tensors.values()]);
  }
}

/**
 * Trains with AdamW (β = (0.9, 0.999), ε = 1e-8, decay skipping the variants' `noWeightDecay` weights, global-norm
 * clipping at 1), linear warm-up then cosine decay, on the mean cross-entropy of the labelled positions.
 */
export async function trainCell(o: TrainCellOptions): Promise<TrainCellResult> {
  const variables = trainableVariables(o.model);
  const pattern = noWeightDecayPattern();
  const optimizer = new AdamW(variables, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weightDecay: o.weightDecay ?? 0.1,
    clipNorm: 1,
    ...(pattern ? { noWeightDecay: [pattern] } : {}),
  });
  const schedule = {
    learningRate: o.learningRate,
    warmup: Math.max(1, Math.round((o.warmupFraction ?? 0.1) * o.steps)),
    steps: o.steps,
    schedule: 'cosine' as const,
  };
  const log = o.log ?? ((line: string) => console.log(line));
  const ckpt = o.checkpoints;
  let times: number[] = [];
  let losses: number[] = [];
  let accuracies: number[] = [];
  let priorSeconds = 0;
  let resumedFromStep: number | undefined;
  const now = o.clock ?? (() => performance.now());
  const backend = tf.getBackend();
  try {
    const resumed = ckpt && (await resume(ckpt, backend, o.model, optimizer, log));
    if (resumed) {
      ({ losses, accuracies, times } = resumed.curves);
      priorSeconds = resumed.curves.wallSeconds;
      resumedFromStep = resumed.step;
      log(`resumed from ${resumed.file} at step ${resumed.step} of ${o.steps}`);
    }
    const started = now();
    const elapsed = () => priorSeconds + (now() - started) / 1000;
    let lastCheckpoint = started;
    const everyMs = 1000 * (ckpt?.everySeconds ?? 60);
    const first = (resumedFromStep ?? 0) + 1;
    let firstStepSeconds = 0;
    for (let step = first; step <= o.steps; step++) {
      const batch = o.batch(step - 1);
      const t0 = now();
      const { loss, correct, labelled, grads } = tf.tidy(() => {
        const { ids, labels } = tensorsOf(batch);
        let counts: { correct: tf.Scalar; labelled: tf.Scalar } | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const logits = o.model.apply(ids, { training: true }) as tf.Tensor;
          const c = tokenAccuracyCounts(labels, logits);
          counts = { correct: tf.keep(c.correct), labelled: tf.keep(c.labelled) };
          return tokenCrossEntropy(labels, logits);
        }, variables);
        return { loss: value, grads, ...counts! };
      });
      const norm = optimizer.apply(grads, learningRateAt(step, schedule));
      const [l, c, n] = await Promise.all([loss.data(), correct.data(), labelled.data()]);
      tf.dispose([loss, correct, labelled, norm, ...Object.values(grads)]);
      const seconds = (now() - t0) / 1000;
      if (step > first) times.push(seconds);
      // On the clock `sessionSeconds` uses, so the pace after it is exactly the time since step 1 ended.
      else firstStepSeconds = (now() - started) / 1000;
      if (!Number.isFinite(l[0]!)) throw new Error(`training diverged at step ${step}: loss ${l[0]}`);
      losses.push(l[0]!);
      accuracies.push(c[0]! / Math.max(1, n[0]!));
      const recent = (xs: number[]) => xs.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, xs.length);
      o.progress?.progress(
        {
          step,
          totalSteps: o.steps,
          loss: recent(losses),
          accuracy: recent(accuracies),
          tokensPerSecond: (batch.size * batch.length) / seconds,
          elapsedSeconds: elapsed(),
          stepsThisSession: step - first + 1,
          sessionSeconds: (now() - started) / 1000,
          firstStepSeconds,
        },
        step === o.steps,
      );
      if (ckpt && (step === o.steps || now() - lastCheckpoint >= everyMs)) {
        const curves: CellCurves = { backend, losses, accuracies, times, wallSeconds: elapsed() };
        await ckpt.store.save(
          { step, configKey: ckpt.configKey, extra: curves as unknown as Record<string, unknown> },
          trainingStateTensors(o.model, optimizer),
        );
        lastCheckpoint = now();
      }
      if (o.stopAfterStep !== undefined && step >= o.stopAfterStep) throw new TrainingInterrupted(step);
    }
    const sorted = [...times].sort((a, b) => a - b);
    return {
      finalLoss: losses.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, losses.length),
      wallSeconds: elapsed(),
      stepSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN,
      ...(resumedFromStep !== undefined ? { resumedFromStep } : {}),
    };
  } finally {
    optimizer.dispose();
  }
}

/** Accuracy over labelled positions and mean cross-entropy (nats per labelled position), inference mode. */
export async function evaluateCell(
  model: tfl.LayersModel,
  batches: Iterable<TokenBatch>,
): Promise<{ accuracy: number; loss: number; labelled: number }> {
  let correct = 0;
  let labelled = 0;
  let lossSum = 0;
  for (const batch of batches) {
    const [c, n, l] = tf.tidy(() => {
      const { ids, labels } = tensorsOf(batch);
      const logits = model.predict(ids) as tf.Tensor;
      const counts = tokenAccuracyCounts(labels, logits);
      return [counts.correct, counts.labelled, tf.mul(tokenCrossEntropy(labels, logits), counts.labelled)];
    });
    const [cv, nv, lv] = await Promise.all([c!.data(), n!.data(), l!.data()]);
    tf.dispose([c!, n!, l!]);
    correct += cv[0]!;
    labelled += nv[0]!;
    lossSum += lv[0]!;
  }
  return { accuracy: correct / Math.max(1, labelled), loss: lossSum / Math.max(1, labelled), labelled };
}

/** Splits examples [count × length] into batches of at most `batchSize` rows. */
export function* rowsInBatches(
  ids: Int32Array,
  labels: Int32Array,
  count: number,
  length: number,
  batchSize: number,
): Generator<TokenBatch> {
  const labelRow = labels.length / count;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    yield {
      ids: ids.subarray(start * length, (start + size) * length),
      labels: labels.subarray(start * labelRow, (start + size) * labelRow),
      length,
      size,
    };
  }
}
