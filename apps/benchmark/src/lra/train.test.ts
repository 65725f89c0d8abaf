import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import type { LraSplit } from '@tost/lra';
import { buildSequenceClassifier } from '@tost/models';
import '../variants.js';
import { listCheckpointSteps } from './checkpoint.js';
import { lraSettings } from './presets.js';
import { trainLra, TrainingInterrupted, type LraRunSpec } from './train.js';

/** A tiny in-memory split: 6 tokens from {1..4}; label 1 when the first token is odd. */
function tinySplit(split: 'train' | 'val' | 'test', size: number, offset: number): LraSplit {
  const row = (i: number) =>
    Int32Array.from({ length: 6 }, (_, j) => 1 + (((i + offset) * 7 + j * 3 + j * j) % 4));
  return {
    task: 'listops',
    split,
    size,
    maxLength: 6,
    vocabSize: 5,
    numClasses: 2,
    dual: false,
    tokens: row,
    label: (i) => row(i)[0]! % 2,
  };
}

const splits = {
  train: tinySplit('train', 24, 0),
  val: tinySplit('val', 8, 100),
  test: tinySplit('test', 8, 200),
};

const spec: LraRunSpec = {
  task: 'listops',
  attention: 'tssa',
  preset: 'quick',
  block: 'tost',
  seed: 3,
  settings: {
    ...lraSettings('listops', 'quick'),
    depth: 1,
    dim: 8,
    heads: 2,
    mlpRatio: 1,
    batchSize: 4,
    steps: 9,
    warmup: 2,
    evalEvery: 4,
    evalBatches: 1,
    checkpointEvery: 3,
    maxLength: 6,
  },
};

function tinyModel(): tfl.LayersModel {
  return buildSequenceClassifier({
    vocabSize: 5,
    maxLength: 6,
    numClasses: 2,
    dim: 8,
    depth: 1,
    heads: 2,
    mlpRatio: 1,
    attention: 'tssa',
  });
}

/** A model with exactly the given initial weights (fresh models draw their own). */
function modelWith(initial: tf.Tensor[]): tfl.LayersModel {
  const m = tinyModel();
  m.setWeights(initial);
  return m;
}

const quiet = { log: () => {}, progress: { update: () => {} } as never };

beforeAll(async () => {
  await initBackend('cpu');
});

describe('trainLra: checkpoints and --resume', () => {
  it('a run stopped between checkpoints resumes from the last one and ends like an uninterrupted run', async () => {
    const initial = tinyModel()
      .getWeights()
      .map((w) => tf.clone(w));

    const straightDir = mkdtempSync(join(tmpdir(), 'lra-straight-'));
    const straightModel = modelWith(initial);
    const straight = await trainLra({
      model: straightModel,
      splits,
      spec,
      checkpointDir: straightDir,
      resume: false,
      ...quiet,
    });

    // "Kill" after step 5: the newest checkpoint is step 3, so steps 4–5 are lost and redone.
    const dir = mkdtempSync(join(tmpdir(), 'lra-resume-'));
    await expect(
      trainLra({
        model: modelWith(initial),
        splits,
        spec,
        checkpointDir: dir,
        resume: false,
        stopAfterStep: 5,
        ...quiet,
      }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);
    expect(listCheckpointSteps(dir)).toEqual([3]);

    // The resumed process starts from other (fresh) weights: everything must come from the checkpoint.
    const resumedModel = tinyModel();
    const lines: string[] = [];
    const resumed = await trainLra({
      model: resumedModel,
      splits,
      spec,
      checkpointDir: dir,
      resume: true,
      log: (l) => lines.push(l),
      progress: quiet.progress,
    });
    expect(resumed.resumedFromStep).toBe(3);
    expect(lines.some((l) => /resumed from .*ckpt-00000003\.json at step 3/.test(l))).toBe(true);
    expect(resumed.curve.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < 9; i++) {
      expect(resumed.curve[i]!.loss).toBeCloseTo(straight.curve[i]!.loss, 5);
      expect(resumed.curve[i]!.learningRate).toBe(straight.curve[i]!.learningRate);
    }
    expect(resumed.finalTest.accuracy).toBe(straight.finalTest.accuracy);
    expect(resumed.finalTest.loss).toBeCloseTo(straight.finalTest.loss, 5);
    const a = straightModel.getWeights();
    const b = resumedModel.getWeights();
    a.forEach((w, i) => {
      const diff = tf.max(tf.abs(tf.sub(w, b[i]!))).dataSync()[0]!;
      expect(diff).toBeLessThan(1e-5);
    });

    // A fresh run (no --resume) in the same directory starts over instead of keeping the old step-9 checkpoints.
    expect(listCheckpointSteps(dir)).toEqual([6, 9]);
    const startedOver: string[] = [];
    await expect(
      trainLra({
        model: modelWith(initial),
        splits,
        spec,
        checkpointDir: dir,
        resume: false,
        stopAfterStep: 3,
        log: (l) => startedOver.push(l),
        progress: quiet.progress,
      }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);
    expect(listCheckpointSteps(dir)).toEqual([3]);
    expect(startedOver.join('\n')).toMatch(/starting over: removing the checkpoints/);
    tf.dispose(initial);
  }, 60_000);

  it('a corrupt checkpoint is a clear error on --resume, never a silent restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lra-corrupt-'));
    await expect(
      trainLra({
        model: tinyModel(),
        splits,
        spec,
        checkpointDir: dir,
        resume: false,
        stopAfterStep: 3,
        ...quiet,
      }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);
    const bin = join(dir, 'ckpt-00000003.bin');
    const bytes = readFileSync(bin);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(bin, bytes);
    await expect(
      trainLra({ model: tinyModel(), splits, spec, checkpointDir: dir, resume: true, ...quiet }),
    ).rejects.toThrow(/corrupt checkpoint .*ckpt-00000003\.bin: checksum mismatch/);

    const otherSpec = { ...spec, settings: { ...spec.settings, steps: 12 } };
    writeFileSync(
      bin,
      readFileSync(bin).map((x, i) => (i === 10 ? x ^ 0xff : x)),
    );
    await expect(
      trainLra({ model: tinyModel(), splits, spec: otherSpec, checkpointDir: dir, resume: true, ...quiet }),
    ).rejects.toThrow(/another configuration/);
  }, 60_000);
});
