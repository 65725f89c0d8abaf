import * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches, majorityClassAccuracy, type LraSplit } from '@tost/lra';
import {
  loadMobyDick,
  loadSpamAssassin,
  randomTextWindows,
  sequentialTextWindows,
  unigramEntropyBits,
  type SpamSplits,
  type TextSplits,
} from '@tost/lra/node';
import { buildCausalLM, buildSequenceClassifier, buildTokenClassifier } from '@tost/models';
import {
  MQAR_TEST_SEED,
  MQAR_VAL_SEED,
  MQAR_VOCAB,
  mqarExamples,
  mqarLength,
  mqarTrainingBatch,
} from './mqar.js';
import { rowsInBatches, type TokenBatch } from './train-cell.js';
import { variantAttention } from './variants.js';

export const QUALITY_TASKS = ['mqar', 'char-lm', 'spam'] as const;
export type QualityTask = (typeof QUALITY_TASKS)[number];

/** What one cell trains: the spec's settings (quality tasks, arXiv 2312.04927 for MQAR) after any overrides. */
export interface QualitySetting {
  task: QualityTask;
  /** MQAR pairs N. */
  pairs?: number;
  /** 0 = no short convolution. */
  shortConv: number;
  /** Tokens per example (MQAR: 3N; char-lm: the context; spam: bytes kept). */
  length: number;
  steps: number;
  batchSize: number;
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
}

/** The spec's settings per task (before --steps/--batch/--length). */
export const TASK_DEFAULTS: Record<
  QualityTask,
  Omit<QualitySetting, 'task' | 'pairs' | 'shortConv' | 'length'> & { length: number; shortConvWidth: number }
> = {
  mqar: {
    steps: 1500,
    batchSize: 64,
    dim: 64,
    depth: 2,
    heads: 4,
    mlpRatio: 2,
    length: 0,
    shortConvWidth: 3,
  },
  'char-lm': {
    steps: 2000,
    batchSize: 16,
    dim: 128,
    depth: 2,
    heads: 4,
    mlpRatio: 4,
    length: 256,
    shortConvWidth: 4,
  },
  spam: {
    steps: 600,
    batchSize: 32,
    dim: 64,
    depth: 2,
    heads: 4,
    mlpRatio: 2,
    length: 2048,
    shortConvWidth: 4,
  },
};

/** The learning-rate grid (best on the validation data of seed 1, then the other seeds at it). */
export const LEARNING_RATES = [1e-3, 3e-3];

/** A short, file-name-safe label of a setting: `N8-conv3`, `conv4`, `noconv`, plus overrides. */
export function settingKey(s: QualitySetting): string {
  const d = TASK_DEFAULTS[s.task];
  const parts: string[] = [];
  if (s.task === 'mqar') parts.push(`N${s.pairs}`);
  parts.push(s.shortConv ? `conv${s.shortConv}` : 'noconv');
  if (s.task !== 'mqar' && s.length !== d.length) parts.push(`len${s.length}`);
  if (s.steps !== d.steps) parts.push(`steps${s.steps}`);
  if (s.batchSize !== d.batchSize) parts.push(`batch${s.batchSize}`);
  return parts.join('-');
}

/** Human label: "N = 8, short conv 3". */
export function settingLabel(s: QualitySetting): string {
  const parts: string[] = [];
  if (s.task === 'mqar') parts.push(`N = ${s.pairs}`);
  parts.push(s.shortConv ? `short conv ${s.shortConv}` : 'no short conv');
  return parts.join(', ');
}

/** The metric of a task: higher is better except bits per character. */
export const METRIC: Record<QualityTask, { name: string; unit: string; higherIsBetter: boolean }> = {
  mqar: { name: 'accuracy at query positions', unit: '%', higherIsBetter: true },
  'char-lm': { name: 'test bits per character', unit: 'bits/char', higherIsBetter: false },
  spam: { name: 'test accuracy', unit: '%', higherIsBetter: true },
};

/** Loaded once per command. */
export class QualityData {
  private text?: TextSplits;
  private spam = new Map<number, SpamSplits>();

  mobyDick(): TextSplits {
    return (this.text ??= loadMobyDick());
  }

  spamAssassin(length: number): SpamSplits {
    let s = this.spam.get(length);
    if (!s) {
      s = loadSpamAssassin({ maxLength: length });
      this.spam.set(length, s);
    }
    return s;
  }
}

/** Everything a cell needs to train and evaluate. */
export interface TaskRun {
  model: tfl.LayersModel;
  batch: (step: number) => TokenBatch;
  validation: () => Iterable<TokenBatch>;
  test: () => Iterable<TokenBatch>;
  /** The trivial baseline of the test metric. */
  baseline: { name: string; value: number };
}

const EVAL_BATCH = 64;

function splitBatches(split: LraSplit, batchSize: number): Generator<TokenBatch> {
  return (function* () {
    for (const b of iterateBatches(split, { batchSize }))
      yield { ids: b.tokens, labels: b.labels, length: split.maxLength, size: b.size };
  })();
}

/** Builds the model and the data of one cell. Model weights are seeded by `seed`. */
export function prepareTask(s: QualitySetting, variant: string, seed: number, data: QualityData): TaskRun {
  const common = {
    dim: s.dim,
    depth: s.depth,
    heads: s.heads,
    mlpRatio: s.mlpRatio,
    ...(s.shortConv ? { shortConv: s.shortConv } : {}),
    seed,
  };
  if (s.task === 'mqar') {
    const pairs = s.pairs!;
    const length = mqarLength(pairs);
    const model = buildTokenClassifier({
      ...common,
      vocabSize: MQAR_VOCAB,
      maxLength: length,
      numClasses: MQAR_VOCAB,
      attention: variantAttention(variant, s.depth, false),
    });
    const val = mqarExamples(pairs, 512, MQAR_VAL_SEED + pairs);
    const test = mqarExamples(pairs, 1024, MQAR_TEST_SEED + pairs);
    return {
      model,
      batch: (step) => {
        const b = mqarTrainingBatch(pairs, s.batchSize, seed, step);
        return { ids: b.ids, labels: b.labels, length, size: b.count };
      },
      validation: () => rowsInBatches(val.ids, val.labels, val.count, length, EVAL_BATCH),
      test: () => rowsInBatches(test.ids, test.labels, test.count, length, EVAL_BATCH),
      baseline: { name: 'chance (1/128)', value: 1 / 128 },
    };
  }
  if (s.task === 'char-lm') {
    const text = data.mobyDick();
    const model = buildCausalLM({
      ...common,
      vocabSize: 256,
      maxLength: s.length,
      layerScaleInit: false,
      attention: variantAttention(variant, s.depth, true),
    });
    const windows = randomTextWindows(text.train, { context: s.length, batchSize: s.batchSize, seed });
    let next = 0;
    return {
      model,
      batch: (step) => {
        // A resumed run starts at a later step: the windows of the steps before it are drawn and dropped.
        if (step < next)
          throw new Error(
            `char-lm: batch ${step} requested after batch ${next - 1} (the windows are a stream)`,
          );
        for (; next < step; next++) windows.next();
        next++;
        const w = windows.next().value!;
        return { ids: w.inputs, labels: w.targets, length: w.context, size: w.size };
      },
      validation: () => textBatches(text.val, s.length),
      test: () => textBatches(text.test, s.length),
      baseline: { name: 'unigram entropy of the test split', value: unigramEntropyBits(text.test) },
    };
  }
  const spam = data.spamAssassin(s.length);
  const model = buildSequenceClassifier({
    ...common,
    vocabSize: spam.train.vocabSize,
    maxLength: s.length,
    numClasses: 2,
    pooling: 'class-attention',
    attention: variantAttention(variant, s.depth, false),
  });
  const perEpoch = Math.floor(spam.train.size / s.batchSize);
  return {
    model,
    batch: (step) => {
      const epoch = Math.floor(step / perEpoch);
      const [b] = iterateBatches(spam.train, {
        batchSize: s.batchSize,
        shuffleSeed: seed * 1000 + epoch,
        dropRemainder: true,
        startBatch: step % perEpoch,
      });
      return { ids: b!.tokens, labels: b!.labels, length: s.length, size: b!.size };
    },
    validation: () => splitBatches(spam.val, EVAL_BATCH),
    test: () => splitBatches(spam.test, EVAL_BATCH),
    baseline: { name: 'majority class (ham)', value: majorityClassAccuracy(spam.test) },
  };
}

function textBatches(text: Uint8Array, context: number): Iterable<TokenBatch> {
  return (function* () {
    for (const w of sequentialTextWindows(text, { context, batchSize: 16 }))
      yield { ids: w.inputs, labels: w.targets, length: w.context, size: w.size };
  })();
}
