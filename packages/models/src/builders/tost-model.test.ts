import { it, expect } from 'vitest';
import { describeOn } from '../test-helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import {
  ToSTModel,
  buildCausalLM,
  buildDualEncoderClassifier,
  buildSequenceClassifier,
  buildVisionClassifier,
} from '../index.js';

const text = { vocabSize: 10, maxLength: 6, numClasses: 3, dim: 8, depth: 1, heads: 2 };
const vision = { imageSize: 8, patchSize: 4, numClasses: 5, dim: 16, depth: 1, heads: 2 };
const lm = { vocabSize: 11, maxLength: 8, dim: 8, depth: 1, heads: 2 };

/** Every builder, each with an input of `batch` rows (and the LM's `length`). */
function cases(): {
  name: string;
  build: () => ToSTModel;
  input: (batch: number) => tf.Tensor | tf.Tensor[];
  out: (b: number) => number[];
}[] {
  return [
    ...['tssa', 'softmax', 'mssa'].map((attention) => ({
      name: `sequence classifier (${attention})`,
      build: () => buildSequenceClassifier({ ...text, attention }),
      input: (b: number) => tf.ones([b, 6], 'int32'),
      out: (b: number) => [b, 3],
    })),
    {
      name: 'dual encoder',
      build: () => buildDualEncoderClassifier(text),
      input: (b: number) => [tf.ones([b, 6], 'int32'), tf.ones([b, 6], 'int32')],
      out: (b: number) => [b, 3],
    },
    {
      name: 'vision classifier (tost)',
      build: () => buildVisionClassifier(vision),
      input: (b: number) => tf.zeros([b, 8, 8, 3]),
      out: (b: number) => [b, 5],
    },
    {
      name: 'vision classifier (crate)',
      build: () => buildVisionClassifier({ ...vision, block: 'crate', attention: 'mssa' }),
      input: (b: number) => tf.zeros([b, 8, 8, 3]),
      out: (b: number) => [b, 5],
    },
    {
      name: 'causal LM',
      build: () => buildCausalLM(lm),
      input: (b: number) => tf.ones([b, 5], 'int32'),
      out: (b: number) => [b, 5, 11],
    },
  ];
}

describeOn('wasm', 'ToSTModel: degenerate shapes', () => {
  for (const c of cases()) {
    it(`${c.name}: a batch of 0 gives an empty output of the right shape (predict and apply), no leak`, async () => {
      const model = c.build();
      expect(model).toBeInstanceOf(ToSTModel);
      await expectNoLeakedTensors(() => {
        const x = c.input(0);
        const y = model.predict(x) as tf.Tensor;
        expect(y.shape).toEqual(c.out(0));
        const z = model.apply(x) as tf.Tensor;
        expect(z.shape).toEqual(c.out(0));
        const w = model.predictOnBatch(x) as tf.Tensor;
        expect(w.shape).toEqual(c.out(0));
        tf.dispose([x, y, z, w]);
      });
      // and a real batch still works
      const x = c.input(2);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual(c.out(2));
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  it('causal LM: a sequence of length 0 gives logits [B, 0, vocab]; a classifier rejects length 0 naming the input', () => {
    const model = buildCausalLM(lm);
    const y = model.predict(tf.zeros([2, 0], 'int32')) as tf.Tensor;
    expect(y.shape).toEqual([2, 0, 11]);
    model.dispose();
    const classifier = buildSequenceClassifier(text);
    expect(() => classifier.predict(tf.zeros([2, 0], 'int32'))).toThrow(
      /input 'token_ids' must have shape \[any, 6\], got \[2, 0\]/,
    );
    expect(() => classifier.predict(tf.zeros([0, 7], 'int32'))).toThrow(/'token_ids' .*got \[0, 7\]/);
    classifier.dispose();
  });

  it('dual encoder: inputs of different batch sizes are an error naming both inputs (predict and apply)', () => {
    const model = buildDualEncoderClassifier(text);
    const a = tf.ones([2, 6], 'int32');
    const b = tf.ones([3, 6], 'int32');
    expect(() => model.predict([a, b])).toThrow(/same batch size, got 'token_ids_1' 2, 'token_ids_2' 3/);
    expect(() => model.apply([a, b])).toThrow(/same batch size/);
    expect(() => model.predictOnBatch([a, b])).toThrow(
      /predictOnBatch: all inputs must have the same batch size/,
    );
    expect(() => model.predict([a, tf.ones([0, 6], 'int32')])).toThrow(/same batch size/);
    expect(() => model.predict(a)).toThrow(
      /expected 2 input tensor\(s\) \(token_ids_1, token_ids_2\), got 1/,
    );
    tf.dispose([a, b]);
    model.dispose();
  });
});

describeOn('wasm', 'ToSTModel: dispose', () => {
  for (const c of cases()) {
    it(`${c.name}: dispose frees every weight (shared and tied layers included)`, async () => {
      const before = tf.memory().numTensors;
      const model = c.build();
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await Promise.resolve();
    });
  }

  it('a layer shared with another model stays alive until both are disposed', () => {
    const before = tf.memory().numTensors;
    const model = buildCausalLM(lm);
    const embedding = model.getLayer('token_embedding');
    const input = tfl.input({ shape: [null], dtype: 'int32' });
    const other = tfl.model({ inputs: input, outputs: embedding.apply(input) as tfl.SymbolicTensor });
    model.dispose();
    const ids = tf.ones([1, 2], 'int32');
    const y = other.predict(ids) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 8]);
    tf.dispose([ids, y]);
    other.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
