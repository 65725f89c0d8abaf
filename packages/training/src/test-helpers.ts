// Shared by the tests of this package (not exported): a tiny classification task and model.
import * as tfl from '@tensorflow/tfjs-layers';
import type { Batch } from './batch.js';

/** Example i of a deterministic toy task: 6 tokens from {1..4}; label 1 when the first token is odd. */
export function toyRow(i: number): Int32Array {
  return Int32Array.from({ length: 6 }, (_, j) => 1 + ((i * 7 + j * 3 + j * j) % 4));
}

/** `size` consecutive toy examples starting at example `first`. */
export function toyBatch(first: number, size: number): Batch {
  const values = new Int32Array(size * 6);
  const labels = new Int32Array(size);
  for (let r = 0; r < size; r++) {
    const row = toyRow(first + r);
    values.set(row, r * 6);
    labels[r] = row[0]! % 2;
  }
  return { inputs: [{ values, shape: [6] }], labels, size };
}

/** Batches over a training set of 24 examples, epoch e shifted by e (a stand-in for shuffling), from any step. */
export function* toyTrain(fromStep: number, batchSize = 4): Generator<Batch> {
  for (let step = fromStep; ; step++) {
    const perEpoch = Math.floor(24 / batchSize);
    const epoch = Math.floor(step / perEpoch);
    yield toyBatch(((step % perEpoch) * batchSize + epoch) % 24, batchSize);
  }
}

/** Embedding → flatten → dense → dense: standard layers only, seeded initialisers (same weights every call). */
export function toyModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    tfl.layers.embedding({
      inputDim: 5,
      outputDim: 4,
      inputLength: 6,
      embeddingsInitializer: tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }),
    }),
  );
  model.add(tfl.layers.flatten());
  model.add(
    tfl.layers.dense({
      units: 8,
      activation: 'tanh',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  model.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  return model;
}
