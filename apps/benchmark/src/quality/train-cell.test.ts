import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { buildTokenClassifier, seedMathRandom } from '@tost/models';
import { TrainingInterrupted } from '@tost/training';
import { FileCheckpoints } from '@tost/training/node';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cellDir, configKey } from './cells.js';
import { runQuality } from './command.js';
import { MQAR_VOCAB, mqarLength, mqarTrainingBatch } from './mqar.js';
import { prepareTask, QualityData, type QualitySetting } from './tasks.js';
import { trainCell } from './train-cell.js';

const PAIRS = 4;
const LENGTH = mqarLength(PAIRS);

function tinyModel(seed: number) {
  return buildTokenClassifier({
    vocabSize: MQAR_VOCAB,
    maxLength: LENGTH,
    numClasses: MQAR_VOCAB,
    dim: 16,
    depth: 1,
    heads: 2,
    mlpRatio: 2,
    attention: 'softmax',
    seed,
  });
}

const batch = (step: number) => {
  const b = mqarTrainingBatch(PAIRS, 8, 1, step);
  return { ids: b.ids, labels: b.labels, length: LENGTH, size: b.count };
};

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tost-train-cell-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('trainCell checkpoints', () => {
  it('a killed run resumed from its checkpoint ends bit for bit like an uninterrupted one, leaking nothing', async () => {
    const common = { batch, steps: 6, learningRate: 3e-3 };
    const whole = tinyModel(1);
    const uninterrupted = await trainCell({ ...common, model: whole });
    const expected = whole.getWeights().map((w) => w.dataSync().slice());
    whole.dispose();

    const before = tf.memory().numTensors;
    const store = new FileCheckpoints(dir, 1);
    const checkpoints = { store, configKey: 'cell-a', everySeconds: 0 };
    const killed = tinyModel(1);
    await expect(trainCell({ ...common, model: killed, checkpoints, stopAfterStep: 4 })).rejects.toThrow(
      TrainingInterrupted,
    );
    killed.dispose();
    expect(store.steps()).toEqual([4]);

    // Another process: other initial weights; everything must come from the checkpoint.
    const lines: string[] = [];
    const resumedModel = tinyModel(7);
    const resumed = await trainCell({
      ...common,
      model: resumedModel,
      checkpoints,
      log: (l) => lines.push(l),
    });
    expect(resumed.resumedFromStep).toBe(4);
    expect(lines).toEqual([expect.stringMatching(/^resumed from .*ckpt-00000004\.json at step 4 of 6$/)]);
    expect(resumedModel.getWeights().map((w) => w.dataSync().slice())).toEqual(expected);
    expect(resumed.finalLoss).toBe(uninterrupted.finalLoss);
    expect(resumed.wallSeconds).toBeGreaterThan(0);
    resumedModel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('writes no checkpoint before `everySeconds` have passed, and none at the last step', async () => {
    const store = new FileCheckpoints(dir, 1);
    const model = tinyModel(1);
    await trainCell({
      model,
      batch,
      steps: 3,
      learningRate: 3e-3,
      checkpoints: { store, configKey: 'cell-b', everySeconds: 3600 },
    });
    expect(store.steps()).toEqual([]);
    await trainCell({
      model,
      batch,
      steps: 3,
      learningRate: 3e-3,
      checkpoints: { store, configKey: 'cell-b', everySeconds: 0 },
    });
    expect(store.steps()).toEqual([2]);
    model.dispose();
  });

  it('refuses a checkpoint of another configuration instead of training from it', async () => {
    const store = new FileCheckpoints(dir, 1);
    const model = tinyModel(1);
    const o = { model, batch, steps: 4, learningRate: 3e-3 };
    await expect(
      trainCell({ ...o, checkpoints: { store, configKey: 'one', everySeconds: 0 }, stopAfterStep: 2 }),
    ).rejects.toThrow(TrainingInterrupted);
    await expect(trainCell({ ...o, checkpoints: { store, configKey: 'other' } })).rejects.toThrow(
      /checkpoint .*ckpt-00000002\.json belongs to a run with another configuration/,
    );
    model.dispose();
  });
});

describe('tost-bench quality: a killed cell', () => {
  const setting: QualitySetting = {
    task: 'mqar',
    pairs: 8,
    shortConv: 3,
    length: mqarLength(8),
    steps: 6,
    batchSize: 8,
    dim: 64,
    depth: 2,
    heads: 4,
    mlpRatio: 2,
  };
  const run = (outDir: string, log: (line: string) => void = () => {}) =>
    runQuality({
      tasks: ['mqar'],
      variants: ['linear'],
      seeds: 1,
      pairs: [8],
      shortConv: 3,
      steps: 6,
      batchSize: 8,
      learningRate: 3e-3,
      outDir,
      backend: 'test',
      log,
    });

  it('continues from its checkpoint when the command runs again, with the scores of an uninterrupted run', async () => {
    const [whole] = await run(join(dir, 'whole'));

    // The first command, killed after step 3 of the cell (as `runQuality` prepares it, seeded by the seed).
    const out = join(dir, 'killed');
    const cell = cellDir(out, setting, 'linear', 1, 3e-3);
    const key = configKey(setting, 'linear', 1, 3e-3);
    const unseed = seedMathRandom(1);
    const task = prepareTask(setting, 'linear', 1, new QualityData());
    unseed();
    await expect(
      trainCell({
        model: task.model,
        batch: task.batch,
        steps: 6,
        learningRate: 3e-3,
        checkpoints: {
          store: new FileCheckpoints(join(cell, 'checkpoints'), 1),
          configKey: key,
          everySeconds: 0,
        },
        stopAfterStep: 3,
      }),
    ).rejects.toThrow(TrainingInterrupted);
    task.model.dispose();

    const lines: string[] = [];
    const [resumed] = await run(out, (l) => lines.push(l));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /\[mqar N = 8, short conv 3 \/ linear \/ seed 1 \/ lr 3e-3\] resumed from .* at step 3 of 6$/,
      ),
    );
    expect(resumed!.resumedFromStep).toBe(3);
    expect(whole!.resumedFromStep).toBeUndefined();
    expect([resumed!.test, resumed!.validation]).toEqual([whole!.test, whole!.validation]);
    // Finished: the result and the model stay, the checkpoints go.
    expect(existsSync(join(cell, 'checkpoints'))).toBe(false);
    expect(readdirSync(cell).sort()).toEqual(['model', 'result.json']);
    expect(JSON.parse(readFileSync(join(cell, 'result.json'), 'utf8')).resumedFromStep).toBe(3);
  });
});
