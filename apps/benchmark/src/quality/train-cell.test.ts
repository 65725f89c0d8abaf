import * as tf from '@tensorflow/tfjs-core';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { buildTokenClassifier, seedMathRandom } from '@tost/models';
import { TrainingInterrupted, type ProgressState } from '@tost/training';
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

/**
 * A clock the batches drive: the batch of 0-based step s sets it to (s + 1) × 25 s, so step s + 1 ends at
 * (s + 1) × 25 s of the run (a process resumed after step k starts at k × 25 s).
 */
function steppedClock(startStep = 0) {
  let t = startStep * 25_000;
  return {
    clock: () => t,
    batch: (step: number) => {
      t = (step + 1) * 25_000;
      return batch(step);
    },
  };
}

describe('trainCell checkpoints', () => {
  it('a killed run resumed from its checkpoint ends bit for bit like an uninterrupted one, leaking nothing', async () => {
    const common = { steps: 6, learningRate: 3e-3 };
    const whole = tinyModel(1);
    const uninterrupted = await trainCell({ ...common, ...steppedClock(), model: whole });
    expect(uninterrupted.wallSeconds).toBe(150);
    const expected = whole.getWeights().map((w) => w.dataSync().slice());
    whole.dispose();

    const before = tf.memory().numTensors;
    const store = new FileCheckpoints(dir, 1);
    const checkpoints = { store, configKey: 'cell-a', everySeconds: 0 };
    const killed = tinyModel(1);
    await expect(
      trainCell({ ...common, ...steppedClock(), model: killed, checkpoints, stopAfterStep: 4 }),
    ).rejects.toThrow(TrainingInterrupted);
    killed.dispose();
    expect(store.steps()).toEqual([4]);

    // Another process: other initial weights; everything must come from the checkpoint.
    const lines: string[] = [];
    const states: ProgressState[] = [];
    const resumedModel = tinyModel(7);
    const resumed = await trainCell({
      ...common,
      ...steppedClock(4),
      model: resumedModel,
      checkpoints,
      log: (l) => lines.push(l),
      progress: { progress: (s) => states.push(s), line: () => {} },
    });
    expect(resumed.resumedFromStep).toBe(4);
    expect(lines).toEqual([expect.stringMatching(/^resumed from .*ckpt-00000004\.json at step 4 of 6$/)]);
    expect(resumedModel.getWeights().map((w) => w.dataSync().slice())).toEqual(expected);
    expect(resumed.finalLoss).toBe(uninterrupted.finalLoss);
    // The wall time before the kill counts; the progress line knows this session ran two steps.
    expect(resumed.wallSeconds).toBe(150);
    // Step 5 (the session's first, 25 s) stays out of the ETA's pace once step 6 exists.
    const seen = states.map((s) => [
      s.step,
      s.stepsThisSession,
      s.elapsedSeconds,
      s.sessionSeconds,
      s.firstStepSeconds,
    ]);
    expect(seen).toEqual([
      [5, 1, 125, 25, 25],
      [6, 2, 150, 50, 25],
    ]);
    resumedModel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the step times of the sessions before (a session of one step has none of its own)', async () => {
    const store = new FileCheckpoints(dir, 1);
    const checkpoints = { store, configKey: 'cell-t', everySeconds: 0 };
    const o = { batch, steps: 6, learningRate: 3e-3, checkpoints, log: () => {} };
    const model = tinyModel(1);
    await expect(trainCell({ ...o, model, stopAfterStep: 5 })).rejects.toThrow(TrainingInterrupted);
    const resumed = await trainCell({ ...o, model });
    expect(resumed.resumedFromStep).toBe(5);
    expect(resumed.stepSeconds).toBeGreaterThan(0);
    model.dispose();
  });

  it('checkpoints every 60 s of wall time by default, and after the last step', async () => {
    const store = new FileCheckpoints(dir, 10);
    const model = tinyModel(1);
    await trainCell({
      ...steppedClock(),
      model,
      steps: 8,
      learningRate: 3e-3,
      checkpoints: { store, configKey: 'cell-b' },
    });
    // Steps end at 25, 50, 75 (≥ 60 s since the start: checkpoint), 100, 125, 150 (75 s since), 175, 200 (last).
    expect(store.steps()).toEqual([3, 6, 8]);
    model.dispose();
  });

  it('starts over, saying why, from a checkpoint that is damaged, of another configuration or backend', async () => {
    const model = tinyModel(1);
    const o = { model, batch, steps: 4, learningRate: 3e-3 };
    const kill = async (store: FileCheckpoints) => {
      store.clear();
      await expect(
        trainCell({ ...o, checkpoints: { store, configKey: 'one', everySeconds: 0 }, stopAfterStep: 2 }),
      ).rejects.toThrow(TrainingInterrupted);
    };
    const cases: [string, (store: FileCheckpoints) => void, RegExp][] = [
      [
        'one',
        (store) => {
          const bin = join(store.location, 'ckpt-00000002.bin');
          const bytes = readFileSync(bin);
          bytes[0] = bytes[0]! ^ 0xff;
          writeFileSync(bin, bytes);
        },
        /^cannot resume: corrupt checkpoint .*ckpt-00000002\.bin: .*; removing .* and starting over from step 0$/,
      ],
      [
        'other',
        () => {},
        /^cannot resume: checkpoint .*ckpt-00000002\.json belongs to a run with another configuration.*; removing .* and starting over from step 0$/,
      ],
      [
        'one',
        (store) => {
          const json = join(store.location, 'ckpt-00000002.json');
          writeFileSync(json, readFileSync(json, 'utf8').replace('"backend":"wasm"', '"backend":"webgl"'));
        },
        /^cannot resume from .*ckpt-00000002\.json: it was written on the webgl backend, this run is on wasm \(a run is resumed on its own backend only\); starting over from step 0$/,
      ],
    ];
    for (const [i, [configKey, spoil, message]] of cases.entries()) {
      const store = new FileCheckpoints(join(dir, `case${i}`), 1);
      await kill(store);
      spoil(store);
      const lines: string[] = [];
      const attempt = { ...o, checkpoints: { store, configKey }, log: (l: string) => lines.push(l) };
      // The unusable checkpoint is gone before any new one is written (a kill now leaves nothing to trip on).
      await expect(trainCell({ ...attempt, stopAfterStep: 1 })).rejects.toThrow(TrainingInterrupted);
      expect(store.steps()).toEqual([]);
      const r = await trainCell(attempt);
      expect(lines).toEqual([expect.stringMatching(message)]);
      expect(r.resumedFromStep).toBeUndefined();
      expect(store.steps()).toEqual([4]);
    }
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

    // Killed between writing the result and removing the checkpoints: the next command tidies up.
    mkdirSync(join(cell, 'checkpoints'));
    writeFileSync(join(cell, 'checkpoints', 'ckpt-00000006.json'), '{}');
    const again: string[] = [];
    await run(out, (l) => again.push(l));
    expect(again).toContainEqual(expect.stringMatching(/\/ linear \/ seed 1 \/ lr 3e-3\] done earlier: /));
    expect(readdirSync(cell).sort()).toEqual(['model', 'result.json']);
  });
});
