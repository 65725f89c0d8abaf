import { expect, it } from 'vitest';
import { describeOn } from '../test-helpers.js';
import { describeOnBackends } from '@tost/attention/testing';
import * as tf from '@tensorflow/tfjs-core';
import { tokenAccuracyCounts, tokenCrossEntropy } from './token-loss.js';

describeOn('wasm', 'token-level loss and accuracy with unlabelled positions (−100)', () => {
  it('averages −log p(label) over the labelled positions only', () => {
    const logits = tf.tensor3d([
      [
        [0, 0],
        [Math.log(3), 0],
        [5, -5],
      ],
    ]);
    const labels = tf.tensor2d([[1, 0, -100]], [1, 3], 'int32');
    const loss = tokenCrossEntropy(labels, logits);
    // p(1 | [0, 0]) = 1/2; p(0 | [ln 3, 0]) = 3/4: mean of ln 2 and ln(4/3).
    expect(loss.dataSync()[0]).toBeCloseTo((Math.log(2) + Math.log(4 / 3)) / 2, 5);
    const { correct, labelled } = tokenAccuracyCounts(labels, logits);
    // argmax [0, 0] = 0 ≠ 1; argmax [ln 3, 0] = 0 = 0; the third is unlabelled.
    expect([correct.dataSync()[0], labelled.dataSync()[0]]).toEqual([1, 2]);
    tf.dispose([logits, labels, loss, correct, labelled]);
  });

  it('is 0 with nothing labelled, and names a shape mismatch', () => {
    const logits = tf.zeros([1, 2, 3]);
    const none = tf.tensor2d([[-100, -100]], [1, 2], 'int32');
    const loss = tokenCrossEntropy(none, logits);
    expect(Math.abs(loss.dataSync()[0]!)).toBe(0);
    const wrong = tf.zeros([1, 3], 'int32');
    expect(() => tokenCrossEntropy(wrong, logits)).toThrow(
      /labels must have the logits' shape without the class axis \[1, 2\]/,
    );
    tf.dispose([logits, none, loss, wrong]);
  });
});

/** −log softmax(row)[label] in float64, by definition. */
function crossEntropyByDefinition(row: number[], label: number): number {
  const max = Math.max(...row);
  return Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0)) - (row[label]! - max);
}

describeOnBackends('tokenCrossEntropy: value and gradient against the definition (float64)', () => {
  it('the mean over labelled positions, and d/dlogits = (softmax − one-hot) / count there, 0 at −100', () => {
    // 5 positions × 7 classes, spread logits (up to ±40), two unlabelled positions, a repeated label.
    const rows = Array.from({ length: 5 }, (_, t) =>
      Array.from({ length: 7 }, (_, c) => Math.fround(Math.sin(t * 7 + c * 1.3) * (t === 2 ? 40 : 3))),
    );
    const labels = [3, -100, 6, 3, -100];
    const labelledRows = labels.flatMap((l, t) => (l >= 0 ? [t] : []));
    const expectedLoss =
      labelledRows.reduce((a, t) => a + crossEntropyByDefinition(rows[t]!, labels[t]!), 0) /
      labelledRows.length;
    const expectedGrad = rows.flatMap((row, t) => {
      if (labels[t]! < 0) return row.map(() => 0);
      const max = Math.max(...row);
      const total = row.reduce((a, x) => a + Math.exp(x - max), 0);
      return row.map((x, c) => (Math.exp(x - max) / total - (c === labels[t] ? 1 : 0)) / labelledRows.length);
    });
    const before = tf.memory().numTensors;
    const logits = tf.tensor3d([rows]);
    const labelTensor = tf.tensor2d([labels], [1, 5], 'int32');
    const loss = (x: tf.Tensor) => tokenCrossEntropy(labelTensor, x);
    const value = loss(logits);
    const grad = tf.grad(loss)(logits);
    expect(grad.shape).toEqual([1, 5, 7]);
    expect(value.dataSync()[0]).toBeCloseTo(expectedLoss, 5);
    Array.from(grad.dataSync()).forEach((x, i) =>
      expect(x, `dlogits[${i}]`).toBeCloseTo(expectedGrad[i]!, 6),
    );
    tf.dispose([value, grad, logits, labelTensor]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a small loss precise beside large logits (relative error < 1e-4 at logits ≈ 1,000, loss ≈ 2e-3)', () => {
    // The label leads by 8: loss = log(1 + 6·e⁻⁸) ≈ 2.0e-3; logits offset by 1,000, where a float32 ulp is 6e-5.
    const rows = [
      [1008, 1000, 1000, 1000, 1000, 1000, 1000],
      [1000, 1008, 1000, 1000, 1000, 1000, 1000],
    ];
    const expected = Math.log1p(6 * Math.exp(-8));
    const got = tf.tidy(
      () => tokenCrossEntropy(tf.tensor2d([[0, 1]], [1, 2], 'int32'), tf.tensor3d([rows])).dataSync()[0]!,
    );
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-4);
  });

  it('scales its gradient with the upstream gradient, and stays finite beside −Infinity logits', () => {
    const before = tf.memory().numTensors;
    const labels = tf.tensor2d([[2, -100, 0]], [1, 3], 'int32');
    // −Infinity at a class that is not the label, and at class 0 (which stands in for the label) of the unlabelled
    // position.
    const logits = tf.tensor3d([
      [
        [0.5, Number.NEGATIVE_INFINITY, 2],
        [Number.NEGATIVE_INFINITY, 3, Number.NEGATIVE_INFINITY],
        [1, -1, Number.NEGATIVE_INFINITY],
      ],
    ]);
    const loss = tokenCrossEntropy(labels, logits);
    const expected =
      (Math.log(Math.exp(0.5) + Math.exp(2)) - 2 + (Math.log(Math.exp(1) + Math.exp(-1)) - 1)) / 2;
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 6);
    const once = tf.grad((x: tf.Tensor) => tokenCrossEntropy(labels, x))(logits);
    const thrice = tf.grad((x: tf.Tensor) => tf.mul(tokenCrossEntropy(labels, x), 3))(logits);
    const g1 = Array.from(once.dataSync());
    expect(g1.every(Number.isFinite)).toBe(true);
    // The unlabelled position has no gradient; the labelled ones (softmax − one-hot) / 2.
    expect(g1.slice(3, 6).map(Math.abs)).toEqual([0, 0, 0]);
    const e = Math.exp(0.5) / (Math.exp(0.5) + Math.exp(2));
    expect(g1[0]).toBeCloseTo(e / 2, 6);
    expect(g1[2]).toBeCloseTo((1 - e - 1) / 2, 6);
    Array.from(thrice.dataSync()).forEach((x, i) =>
      expect(x, `3 × dlogits[${i}]`).toBeCloseTo(3 * g1[i]!, 6),
    );
    tf.dispose([labels, logits, loss, once, thrice]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an unlabelled position whose logits are all −Infinity (a fully masked row) adds nothing, not NaN', () => {
    const before = tf.memory().numTensors;
    const labels = tf.tensor1d([1, -100], 'int32');
    const inf = Number.NEGATIVE_INFINITY;
    const logits = tf.tensor2d([
      [0, 1, -1],
      [inf, inf, inf],
    ]);
    const loss = tokenCrossEntropy(labels, logits);
    const z = Math.exp(0) + Math.exp(1) + Math.exp(-1);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(z) - 1, 6);
    const gradient = tf.grad((x: tf.Tensor) => tokenCrossEntropy(labels, x))(logits);
    const expected = [1 / z, Math.exp(1) / z - 1, Math.exp(-1) / z, 0, 0, 0];
    Array.from(gradient.dataSync()).forEach((x, i) =>
      expect(x, `dlogits[${i}]`).toBeCloseTo(expected[i]!, 6),
    );
    tf.dispose([labels, logits, loss, gradient]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a label ≥ the number of classes, naming it and its position', () => {
    const logits = tf.zeros([1, 2, 3]);
    const labels = tf.tensor2d([[2, 3]], [1, 2], 'int32');
    expect(() => tokenCrossEntropy(labels, logits)).toThrow(
      new RangeError(
        'tokenCrossEntropy: labels must be class indices in [0, 2] or negative (−100: not counted), got 3 at ' +
          'position 1 (flat index of labels [1, 2])',
      ),
    );
    tf.dispose([logits, labels]);
  });
});
