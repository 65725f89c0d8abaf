import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { fit, type FitOptions } from '../fit.js';
import { toyModel, toyTrain } from '../test-helpers.js';
import { startDataParallel } from './data-parallel.js';
import { defaultReplicas } from './default-replicas.js';

// The workers run the package's build (dist/node/replica-worker.js): turbo builds before testing; by hand, run
// `pnpm --filter @tost/training build` first.

const options: FitOptions = {
  steps: 12,
  schedule: { learningRate: 0.05, warmup: 2, schedule: 'cosine' },
  optimizer: { weightDecay: 0.01, clipNorm: 1 },
  log: () => {},
};
const data = { train: (from: number) => toyTrain(from, 6) };

beforeAll(async () => {
  await initBackend('cpu');
});

describe('startDataParallel', () => {
  it('two replicas give the loss curve and weights of one, to float32 round-off (dropout off)', async () => {
    const single = toyModel();
    const one = await fit(single, data, options);

    const model = toyModel();
    const engine = await startDataParallel(model, { replicas: 2, checkEvery: 4 });
    const replicaSpeeds: number[][] = [];
    const two = await fit(model, data, {
      ...options,
      engine,
      progress: { progress: (s) => replicaSpeeds.push(s.replicaTokensPerSecond ?? []), line: () => {} },
    });
    await engine.dispose();

    expect(two.curve.map((p) => p.step)).toEqual(one.curve.map((p) => p.step));
    two.curve.forEach((p, i) => {
      expect(Math.abs(p.loss - one.curve[i]!.loss), `step ${p.step}`).toBeLessThan(
        1e-5 * (1 + one.curve[i]!.loss),
      );
      expect(p.accuracy).toBe(one.curve[i]!.accuracy);
      expect(Math.abs(p.gradNorm - one.curve[i]!.gradNorm)).toBeLessThan(1e-4 * (1 + one.curve[i]!.gradNorm));
    });
    const a = single.getWeights();
    const b = model.getWeights();
    a.forEach((w, i) => {
      expect(tf.max(tf.abs(tf.sub(w, b[i]!))).dataSync()[0]!).toBeLessThan(1e-5);
    });
    // Progress shows both replicas' throughput.
    expect(replicaSpeeds.every((r) => r.length === 2 && r.every((x) => x > 0))).toBe(true);
  }, 60_000);

  it('a replica that crashes is an error naming it and the step', async () => {
    const model = toyModel();
    const engine = await startDataParallel(model, { replicas: 2, faults: { crashAtStep: 3 } });
    await expect(fit(model, data, { ...options, engine })).rejects.toThrow(
      /replica 1 \(worker thread\) crashed: injected crash in replica 1 at step 3 during step 3; the run can resume from its last checkpoint/,
    );
    await engine.dispose();
  }, 60_000);

  it('a replica whose weights differ is caught by the checksum', async () => {
    const model = toyModel();
    const engine = await startDataParallel(model, {
      replicas: 2,
      checkEvery: 2,
      faults: { corruptAtStep: 4 },
    });
    await expect(fit(model, data, { ...options, engine })).rejects.toThrow(
      /replica 1 diverged from replica 0 at step 4: weight checksum/,
    );
    await engine.dispose();
  }, 60_000);

  it('a worker that cannot rebuild the model fails at start, naming the reason', async () => {
    await expect(
      startDataParallel(toyModel(), {
        replicas: 2,
        imports: ['data:text/javascript,throw new Error("no layers here")'],
      }),
    ).rejects.toThrow(/replica 1 \(worker thread\) crashed: no layers here while starting/);
  }, 60_000);

  it('rejects bad settings by name', async () => {
    await expect(startDataParallel(toyModel(), { replicas: 0 })).rejects.toThrow(
      /replicas must be a positive integer, got 0/,
    );
    const engine = await startDataParallel(toyModel(), { replicas: 2 });
    await expect(engine.gradients(toyTrain(0, 1).next().value, 1)).rejects.toThrow(
      /a batch of 1 examples cannot feed 2 replicas/,
    );
    await engine.dispose();
  }, 60_000);
});

describe('defaultReplicas', () => {
  it('is the core count capped by the batch size', () => {
    expect(defaultReplicas(16, 2)).toBe(2);
    expect(defaultReplicas(1, 8)).toBe(1);
    expect(defaultReplicas(3, 8)).toBe(3);
    expect(() => defaultReplicas(0)).toThrow(/batchSize must be a positive integer, got 0/);
  });
});
