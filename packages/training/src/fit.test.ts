import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { FileCheckpoints } from './node/file-checkpoints.js';
import { fit, TrainingInterrupted, type FitOptions } from './fit.js';
import type { ProgressState } from './progress.js';
import { toyBatch, toyModel, toyTrain } from './test-helpers.js';

const data = {
  train: (from: number) => toyTrain(from),
  validation: () => [toyBatch(100, 4), toyBatch(104, 4)],
};

const base: FitOptions = {
  steps: 9,
  schedule: { learningRate: 0.05, warmup: 2, schedule: 'cosine' },
  optimizer: { weightDecay: 0.01, clipNorm: 1 },
  validationEvery: 4,
  validationBatches: 1,
  log: () => {},
};

function withCheckpoints(dir: string, resume: boolean, configKey = 'k1'): FitOptions {
  return { ...base, checkpoints: { store: new FileCheckpoints(dir), every: 3, configKey, resume } };
}

function maxDiff(a: tfl.LayersModel, b: tfl.LayersModel): number {
  const wa = a.getWeights();
  const wb = b.getWeights();
  return Math.max(...wa.map((w, i) => tf.max(tf.abs(tf.sub(w, wb[i]!))).dataSync()[0]!));
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('fit', () => {
  it('learns the toy task, reports progress and validation, and leaks no tensors', async () => {
    const model = toyModel();
    const states: ProgressState[] = [];
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const r = await fit(model, data, {
      ...base,
      steps: 60,
      progress: { progress: (s) => states.push(s), line: (l) => lines.push(l) },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.curve.map((p) => p.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const first = r.curve.slice(0, 5).reduce((a, p) => a + p.loss, 0) / 5;
    const last = r.curve.slice(-5).reduce((a, p) => a + p.loss, 0) / 5;
    expect(last).toBeLessThan(first * 0.7);
    expect(states).toHaveLength(60);
    expect(states[59]!.step).toBe(60);
    // The first step's end, on the session clock, is reported with every state (the ETA leaves it out of the pace).
    const firstEnd = states[0]!.firstStepSeconds!;
    expect(firstEnd).toBeGreaterThan(0);
    expect(firstEnd).toBeLessThanOrEqual(states[0]!.sessionSeconds);
    expect(states.every((s) => s.firstStepSeconds === firstEnd)).toBe(true);
    expect(r.evals.map((e) => e.step)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56]);
    expect(lines[0]).toMatch(/validation @ step 4: loss \d\.\d{4}, accuracy [\d.]+% \(4 examples\)/);
    expect(r.stepsPerSecond).toBeGreaterThan(0);
    expect(r.peakTensorBytes).toBeGreaterThan(0);
    model.dispose();
  });

  it('a run stopped between checkpoints resumes from the last one and ends like an uninterrupted run', async () => {
    const straightModel = toyModel();
    const straight = await fit(
      straightModel,
      data,
      withCheckpoints(mkdtempSync(join(tmpdir(), 'fit-')), false),
    );

    // "Kill" after step 5: the newest checkpoint is step 3, so steps 4–5 are lost and redone.
    const dir = mkdtempSync(join(tmpdir(), 'fit-resume-'));
    await expect(
      fit(toyModel(), data, { ...withCheckpoints(dir, false), stopAfterStep: 5 }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);
    expect(new FileCheckpoints(dir).steps()).toEqual([3]);

    // The resumed process starts from other weights: everything must come from the checkpoint.
    const resumedModel = toyModel();
    resumedModel.setWeights(resumedModel.getWeights().map((w) => tf.mul(w, 3)));
    const lines: string[] = [];
    const resumed = await fit(resumedModel, data, {
      ...withCheckpoints(dir, true),
      log: (l) => lines.push(l),
    });
    expect(resumed.resumedFromStep).toBe(3);
    expect(lines.some((l) => /resumed from .*ckpt-00000003\.json at step 3/.test(l))).toBe(true);
    expect(resumed.curve.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < 9; i++) {
      expect(resumed.curve[i]!.loss).toBeCloseTo(straight.curve[i]!.loss, 5);
      expect(resumed.curve[i]!.learningRate).toBe(straight.curve[i]!.learningRate);
    }
    expect(maxDiff(straightModel, resumedModel)).toBeLessThan(1e-6);

    // A fresh run (no resume) in the same directory starts over instead of keeping the old step-9 checkpoints.
    expect(new FileCheckpoints(dir).steps()).toEqual([6, 9]);
    const startedOver: string[] = [];
    await expect(
      fit(toyModel(), data, {
        ...withCheckpoints(dir, false),
        stopAfterStep: 3,
        log: (l) => startedOver.push(l),
      }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);
    expect(new FileCheckpoints(dir).steps()).toEqual([3]);
    expect(startedOver.join('\n')).toMatch(/starting over: removing the checkpoints/);
  }, 60_000);

  it('resume with no checkpoint says so and trains from step 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fit-none-'));
    const lines: string[] = [];
    const r = await fit(toyModel(), data, {
      ...withCheckpoints(dir, true),
      steps: 3,
      log: (l) => lines.push(l),
    });
    expect(lines).toContain(`resume: no checkpoint in ${dir}; starting from step 0`);
    expect(r.resumedFromStep).toBeUndefined();
    expect(r.curve.map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('a corrupt checkpoint is a clear error on resume, never a silent restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fit-corrupt-'));
    await expect(
      fit(toyModel(), data, { ...withCheckpoints(dir, false), stopAfterStep: 3 }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);
    const bin = join(dir, 'ckpt-00000003.bin');
    const flip = () =>
      writeFileSync(
        bin,
        readFileSync(bin).map((x, i) => (i === 10 ? x ^ 0xff : x)),
      );
    flip();
    await expect(fit(toyModel(), data, withCheckpoints(dir, true))).rejects.toThrow(
      /corrupt checkpoint .*ckpt-00000003\.bin: checksum mismatch/,
    );
    flip();
    await expect(fit(toyModel(), data, withCheckpoints(dir, true, 'other'))).rejects.toThrow(
      /another configuration/,
    );
  });

  it('rejects bad options by name', async () => {
    await expect(fit(toyModel(), data, { ...base, steps: 0 })).rejects.toThrow(
      /fit: steps must be a positive integer, got 0/,
    );
    await expect(
      fit(toyModel(), { train: () => [toyBatch(0, 4)][Symbol.iterator]() }, { ...base, steps: 2 }),
    ).rejects.toThrow(/training data ended before step 2/);
  });
});
