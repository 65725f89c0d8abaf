import { expect, it } from 'vitest';
import { describeOn } from '../test-helpers.js';
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
