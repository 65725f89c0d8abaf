import { expect, it } from 'vitest';
import { describeOn } from '../test-helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import '@tost/variants';
import { buildCausalLM } from './causal-lm.js';
import { buildSequenceClassifier } from './sequence-classifier.js';

/** Trains a fresh seeded model one epoch on (x, y) and returns its loss history and evaluation. */
async function trainOnce(build: () => tfl.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  const model = build();
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
  const before = tf.memory().numTensors;
  const history = await model.fit(x, y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
  const evaluated = model.evaluate(x, y) as tf.Scalar;
  const result = { loss: history.history.loss as number[], evaluated: evaluated.dataSync()[0]! };
  evaluated.dispose();
  model.dispose();
  return { ...result, leaked: tf.memory().numTensors - before };
}

/**
 * Token ids [rows, 4] (int32) over the cycle 1 … 6: row r holds the 4 tokens from cycle position r + shift, so
 * `windows(rows, 1)` are the next tokens of `windows(rows)`.
 */
const windows = (rows: number, shift = 0) =>
  tf.tensor2d(
    Array.from({ length: rows }, (_, r) => Array.from({ length: 4 }, (_, j) => ((r + j + shift) % 6) + 1)),
    [rows, 4],
    'int32',
  );

const lm = () => buildCausalLM({ vocabSize: 7, maxLength: 8, dim: 8, depth: 1, heads: 2, seed: 5 });

describeOn('cpu', 'fit / evaluate with sparse labels one axis short of the output (as Keras accepts)', () => {
  it('a language model trains on [batch, seq] next tokens exactly as on [batch, seq, 1]', async () => {
    const x = windows(4);
    const y = windows(4, 1);
    const y3 = tf.expandDims(y, -1);
    const short = await trainOnce(lm, x, y);
    const full = await trainOnce(lm, x, y3);
    expect(short.loss).toHaveLength(2);
    expect(short.loss.every(Number.isFinite)).toBe(true);
    expect(short.loss).toEqual(full.loss);
    expect(short.evaluated).toBe(full.evaluated);
    // The expanded labels are freed after fit and evaluate (the model's own tensors are freed by dispose).
    expect(short.leaked).toBe(full.leaked);
    tf.dispose([x, y, y3]);
  });

  it('validationData labels, a one-element label array and a loss given per output name are handled too', async () => {
    const x = windows(2);
    const y = windows(2, 1);
    const y3 = tf.expandDims(y, -1);
    // Tensors left after fitting and disposing (the optimiser's own state stays): the same with ready-made labels.
    const leftAfter = async (labels: tf.Tensor) => {
      const before = tf.memory().numTensors;
      const model = lm();
      const name = model.outputNames[0]!;
      model.compile({ optimizer: tf.train.sgd(0.1), loss: { [name]: 'sparseCategoricalCrossentropy' } });
      const history = await model.fit(x, [labels], { epochs: 1, verbose: 0, validationData: [x, labels] });
      expect(Number.isFinite(history.history.val_loss?.[0] as number)).toBe(true);
      const named = await model.fit(x, { [name]: labels }, { epochs: 1, verbose: 0 });
      expect(Number.isFinite(named.history.loss[0] as number)).toBe(true);
      model.dispose();
      return tf.memory().numTensors - before;
    };
    expect(await leftAfter(y)).toBe(await leftAfter(y3));
    y3.dispose();
    tf.dispose([x, y]);
  });

  it('a classifier trains on [batch] classes exactly as on [batch, 1]', async () => {
    const classifier = () =>
      buildSequenceClassifier({
        vocabSize: 7,
        maxLength: 4,
        numClasses: 3,
        dim: 8,
        depth: 1,
        heads: 2,
        seed: 5,
      });
    const x = windows(4);
    const y = tf.tensor1d([0, 2, 1, 2], 'int32');
    const y2 = tf.expandDims(y, -1);
    const short = await trainOnce(classifier, x, y);
    const full = await trainOnce(classifier, x, y2);
    expect(short.loss).toEqual(full.loss);
    expect(short.evaluated).toBe(full.evaluated);
    tf.dispose([x, y, y2]);
  });
});
