import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@tost/backend';
import { AdamW } from './adamw.js';
import type { LoadedCheckpoint } from './checkpoint-store.js';
import { trainableVariables } from './classification.js';
import { restoreTrainingState, trainingStateTensors } from './training-state.js';
import { toyModel } from './test-helpers.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** A checkpoint as a store returns it: copies of the named tensors. */
function checkpointOf(tensors: { name: string; tensor: tf.Tensor }[], step: number): LoadedCheckpoint {
  return {
    step,
    configKey: 'k',
    extra: {},
    file: '/ckpt/ckpt-00000005.json',
    tensors: new Map(tensors.map(({ name, tensor }) => [name, tensor.clone()])),
  };
}

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

describe('trainingStateTensors / restoreTrainingState', () => {
  it('round-trips weights, both moments and the step into another model and optimizer', () => {
    const a = toyModel();
    const optA = new AdamW(trainableVariables(a));
    // Moments that differ from each other and from zero.
    optA.restore(
      5,
      optA.state().moments.map((m, i) => tf.fill(m.shape, i + 1)),
    );
    const tensors = trainingStateTensors(a, optA);
    expect(tensors.map((t) => t.name).filter((n) => n.startsWith('optimizer/0/'))).toEqual([
      'optimizer/0/m',
      'optimizer/0/v',
    ]);
    const saved = checkpointOf(tensors, 5);
    const b = toyModel();
    b.setWeights(b.getWeights().map((w) => tf.add(w, 1)));
    const optB = new AdamW(trainableVariables(b));
    restoreTrainingState(saved, b, optB);
    expect(values(b.getWeights())).toEqual(values(a.getWeights()));
    expect(values(optB.state().moments)).toEqual(values(optA.state().moments));
    expect(optB.state().step).toBe(5);
    tf.dispose([...saved.tensors.values()]);
    [optA, optB].forEach((o) => o.dispose());
    [a, b].forEach((m) => m.dispose());
  });

  it('names the file and what is missing, and changes nothing then', () => {
    const a = toyModel();
    const opt = new AdamW(trainableVariables(a));
    const saved = checkpointOf(trainingStateTensors(a, opt), 3);
    const b = toyModel();
    b.setWeights(b.getWeights().map((w) => tf.add(w, 1)));
    const before = values(b.getWeights());
    const optB = new AdamW(trainableVariables(b));
    saved.tensors.get('optimizer/1/v')!.dispose();
    saved.tensors.delete('optimizer/1/v');
    expect(() => restoreTrainingState(saved, b, optB)).toThrow(
      'checkpoint /ckpt/ckpt-00000005.json has no optimizer moment 1/v',
    );
    expect(values(b.getWeights())).toEqual(before);
    expect(optB.state().step).toBe(0);
    // A weight of another shape (another model) is as good as none.
    const first = [...saved.tensors.keys()].find((k) => k.startsWith('model/0/'))!;
    const shape = saved.tensors.get(first)!.shape;
    saved.tensors.get(first)!.dispose();
    saved.tensors.set(first, tf.zeros([shape[0]! + 1, ...shape.slice(1)]));
    const missing = new RegExp(
      `^checkpoint /ckpt/ckpt-00000005\\.json has no tensor of shape \\[${shape.join(', ')}\\] for model weight 0 \\('.*'\\)$`,
    );
    expect(() => restoreTrainingState(saved, b, optB)).toThrow(missing);
    saved.tensors.get(first)!.dispose();
    saved.tensors.delete(first);
    expect(() => restoreTrainingState(saved, b, optB)).toThrow(missing);
    expect(values(b.getWeights())).toEqual(before);
    tf.dispose([...saved.tensors.values()]);
    [opt, optB].forEach((o) => o.dispose());
    [a, b].forEach((m) => m.dispose());
  });
});
