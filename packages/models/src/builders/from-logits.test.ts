import { it, expect, vi, afterEach } from 'vitest';
import { describeOn } from '../test-helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import {
  buildCausalLM,
  buildSequenceClassifier,
  categoricalCrossentropyFromLogits,
  sparseCategoricalCrossentropyFromLogits,
} from '../index.js';

const common = { vocabSize: 12, maxLength: 6, numClasses: 3, dim: 16, depth: 1, heads: 2, seed: 3 };
const ROWS = [
  [1, 2, 3, 0, 0, 0],
  [4, 5, 6, 7, 0, 0],
  [8, 9, 10, 11, 1, 0],
  [2, 4, 6, 8, 10, 1],
  [3, 3, 0, 0, 0, 0],
  [11, 10, 9, 0, 0, 0],
];
const LABELS = [0, 1, 2, 0, 1, 2];

/** Cross-entropy and accuracy of logits rows, in plain float64 JavaScript (independent of tfjs's losses). */
function referenceLossAndAccuracy(logits: number[][], labels: number[]): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  logits.forEach((row, i) => {
    const top = Math.max(...row);
    const logSum = top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0));
    loss += logSum - row[labels[i]!]!;
    if (row.indexOf(top) === labels[i]) correct++;
  });
  return { loss: loss / logits.length, accuracy: correct / logits.length };
}

describeOn('wasm', 'training a classifier the usual tfjs way', () => {
  afterEach(() => vi.restoreAllMocks());

  for (const attention of ['tssa', 'softmax', 'mssa']) {
    it(`${attention}: compile({ loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }) trains on the logits (first loss ≈ ln 3), with a warning`, async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const model = buildSequenceClassifier({ ...common, attention });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(
        /outputs logits, so loss 'sparseCategoricalCrossentropy' → sparseCategoricalCrossentropyFromLogits/,
      );
      const x = tf.tensor2d(ROWS, undefined, 'int32');
      const y = tf.tensor1d(LABELS, 'float32');
      const logits = (model.predict(x) as tf.Tensor).arraySync() as number[][];
      const reference = referenceLossAndAccuracy(logits, LABELS);
      const history = await model.fit(x, y, { epochs: 1, batchSize: 6, shuffle: false, verbose: 0 });
      const first = history.history.loss![0] as number;
      expect(Math.abs(first - reference.loss)).toBeLessThan(1e-4);
      expect(Math.abs(first - Math.log(3))).toBeLessThan(0.5); // was 4.5–11 with tfjs's probability loss
      expect(history.history.acc![0]).toBeCloseTo(reference.accuracy, 6);
      // and the loss goes down
      const later = await model.fit(x, y, { epochs: 30, batchSize: 6, shuffle: false, verbose: 0 });
      expect(later.history.loss!.at(-1)).toBeLessThan(0.7 * first);
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  it("output: 'probabilities' ends in a softmax: rows sum to 1, compiles with the plain loss without warning", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const logitsModel = buildSequenceClassifier(common);
    const model = buildSequenceClassifier({ ...common, output: 'probabilities' });
    const x = tf.tensor2d(ROWS, undefined, 'int32');
    const p = model.predict(x) as tf.Tensor2D;
    const logits = logitsModel.predict(x) as tf.Tensor2D;
    // same seed → same weights: the probabilities are the softmax of the logits model's output
    const expected = logits.arraySync().map((row) => {
      const e = row.map((v) => Math.exp(v - Math.max(...row)));
      return e.map((v) => v / e.reduce((s, w) => s + w, 0));
    });
    p.arraySync().forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 5)));
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    expect(warn).not.toHaveBeenCalled();
    const y = tf.tensor1d(LABELS);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0 });
    expect(history.history.loss![0]).toBeCloseTo(
      referenceLossAndAccuracy(logits.arraySync(), LABELS).loss,
      4,
    );
    tf.dispose([x, y, p, logits]);
    model.dispose();
    logitsModel.dispose();
  });

  it('a from-logits loss on a probabilities model warns (the softmax would be applied twice)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = buildSequenceClassifier({ ...common, output: 'probabilities' });
    model.compile({ optimizer: 'adam', loss: sparseCategoricalCrossentropyFromLogits });
    expect(String(warn.mock.calls[0]![0])).toMatch(/outputs probabilities .* applied twice/);
    model.dispose();
  });

  it("categoricalCrossentropy (one-hot targets) and the 'crossentropy' metric are mapped too; explicit functions pass through", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = buildSequenceClassifier(common);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    expect(String(warn.mock.calls[0]![0])).toMatch(
      /'categoricalCrossentropy' → categoricalCrossentropyFromLogits/,
    );
    model.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy'], metrics: ['ce'] });
    expect(String(warn.mock.calls[1]![0])).toMatch(/metric 'ce' → sparseCategoricalCrossentropyFromLogits/);
    warn.mockClear();
    model.compile({ optimizer: 'adam', loss: sparseCategoricalCrossentropyFromLogits });
    expect(warn).not.toHaveBeenCalled();
    model.dispose();
  });

  it('the from-logits losses match a float64 reference and do not leak', async () => {
    const logits = [
      [2, -1, 0.5],
      [0, 0, 0],
      [-30, 40, 1],
    ];
    const labels = [2, 1, 0];
    const yTrue = tf.tensor1d(labels);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const yPred = tf.tensor2d(logits);
    await expectNoLeakedTensors(() => {
      const a = sparseCategoricalCrossentropyFromLogits(yTrue, yPred);
      const b = categoricalCrossentropyFromLogits(oneHot, yPred);
      const sparse = a.arraySync() as number[];
      const dense = b.arraySync() as number[];
      tf.dispose([a, b]);
      logits.forEach((row, i) => {
        const ref = referenceLossAndAccuracy([row], [labels[i]!]).loss;
        expect(Math.abs(sparse[i]! - ref) / ref).toBeLessThan(1e-5);
        expect(Math.abs(dense[i]! - ref) / ref).toBeLessThan(1e-5);
      });
      expect(sparse[1]).toBeCloseTo(Math.log(3), 6);
    });
    tf.dispose([yTrue, oneHot, yPred]);
  });

  it('causal LM: compile with sparseCategoricalCrossentropy trains on logits [B, L, vocab] with targets [B, L, 1]', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = buildCausalLM({ vocabSize: 7, maxLength: 6, dim: 8, depth: 1, heads: 2, seed: 1 });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32');
    const y = tf.tensor3d([[[2], [3], [4], [5]]]);
    const logits = (model.predict(x) as tf.Tensor3D).arraySync()[0]!;
    const history = await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(history.history.loss![0]).toBeCloseTo(referenceLossAndAccuracy(logits, [2, 3, 4, 5]).loss, 4);
    tf.dispose([x, y]);
    model.dispose();
  });
});
