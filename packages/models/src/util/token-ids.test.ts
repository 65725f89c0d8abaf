import { it, expect, vi } from 'vitest';
import { describeOn } from '../test-helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildCausalLM,
  buildDualEncoderClassifier,
  buildSequenceClassifier,
  checkTokenIds,
} from '../index.js';

const text = { vocabSize: 10, maxLength: 4, numClasses: 2, dim: 8, depth: 1, heads: 2 };

describeOn('wasm', 'token ids are checked', () => {
  it('checkTokenIds reads a tensor once per vocabulary size (no repeated GPU readback), and still checks a smaller one', () => {
    const ids = tf.tensor2d([[0, 9]], undefined, 'int32');
    const reads = vi.spyOn(ids, 'dataSync');
    checkTokenIds(ids, 10, 'o');
    checkTokenIds(ids, 10, 'o');
    checkTokenIds(ids, 12, 'o');
    expect(reads).toHaveBeenCalledTimes(1);
    expect(() => checkTokenIds(ids, 9, 'o')).toThrow(
      /'token_ids' must hold integers in \[0, 9\).*got 9 \(out of range\)/,
    );
    expect(reads).toHaveBeenCalledTimes(2);
    ids.dispose();
  });

  it('checkTokenIds accepts integers in range (int32, or float32 holding integers), names the first bad one', () => {
    expect(() => checkTokenIds(tf.tensor2d([[0, 9]], undefined, 'int32'), 10, 'o')).not.toThrow();
    expect(() => checkTokenIds(tf.tensor2d([[0, 9]]), 10, 'o')).not.toThrow();
    expect(() =>
      checkTokenIds(
        tf.tensor2d(
          [
            [1, 2],
            [3, 10],
          ],
          undefined,
          'int32',
        ),
        10,
        'o',
      ),
    ).toThrow(
      /o: 'token_ids' must hold integers in \[0, 10\) \(vocabSize 10\), got 10 \(out of range\) at \[1, 1\]/,
    );
    expect(() => checkTokenIds(tf.tensor2d([[-1, 2]], undefined, 'int32'), 10, 'o')).toThrow(
      /got -1 \(out of range\) at \[0, 0\]/,
    );
    expect(() => checkTokenIds(tf.tensor2d([[1, 2.5]]), 10, 'o')).toThrow(
      /got 2.5 \(not an integer\) at \[0, 1\]/,
    );
    expect(() => checkTokenIds(tf.tensor2d([[NaN, 1]]), 10, 'o')).toThrow(/got NaN at \[0, 0\]/);
    expect(() => checkTokenIds(tf.tensor2d([[1, Infinity]]), 10, 'o')).toThrow(
      /got Infinity \(not an integer\)/,
    );
  });

  const bad: [string, number][] = [
    ['a float id', 2.5],
    ['NaN', NaN],
    ['an id = vocabSize', 10],
    ['an id > vocabSize', 99],
    ['a negative id', -3],
    ['Infinity', Infinity],
  ];
  for (const [what, id] of bad) {
    it(`sequence classifier, dual encoder and causal LM reject ${what} naming token_ids and the vocabulary size`, () => {
      const classifier = buildSequenceClassifier(text);
      const dual = buildDualEncoderClassifier(text);
      const lm = buildCausalLM({ vocabSize: 10, maxLength: 4, dim: 8, depth: 1, heads: 2 });
      const ids = tf.tensor2d([[1, 2, 3, id]]);
      const good = tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32');
      const message = /'token_ids' must hold integers in \[0, 10\) \(vocabSize 10\)/;
      expect(() => classifier.predict(ids)).toThrow(message);
      expect(() => classifier.apply(ids)).toThrow(message);
      expect(() => dual.predict([good, ids])).toThrow(
        /'token_ids_2' must hold integers in \[0, 10\) \(vocabSize 10\)/,
      );
      expect(() => lm.predict(ids)).toThrow(message);
      tf.dispose([ids, good]);
      [classifier, dual, lm].forEach((m) => m.dispose());
    });
  }

  it('Pathfinder-style inputs (maskPadding false, grey level 0 is real) still accept 0', () => {
    const model = buildSequenceClassifier({ ...text, vocabSize: 256, maskPadding: false });
    const y = model.predict(tf.tensor2d([[0, 0, 255, 128]], undefined, 'int32')) as tf.Tensor;
    expect(y.shape).toEqual([1, 2]);
    expect(() => model.predict(tf.tensor2d([[0, 0, 256, 128]], undefined, 'int32'))).toThrow(/vocabSize 256/);
    model.dispose();
  });
});
