import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { getAttentionDescriptor } from '@tost/attention';
import '../register-variants.js';
import { buildSequenceClassifier } from '../builders/sequence-classifier.js';
import { buildTokenClassifier } from '../builders/token-classifier.js';
import { buildCausalLM } from '../builders/causal-lm.js';
import { expectSaveLoadIdentical, TINY_LM, describeOn } from '../test-helpers.js';

/** A token task of 12 ids and 6 tokens, with one small block per entry of `depth`. */
const TOKEN_TASK = { vocabSize: 12, maxLength: 6, numClasses: 12, dim: 8, heads: 2 };
/** The token classifier of the second suite: 10 ids, 5 tokens, 7 classes, one block. */
const PER_POSITION = { vocabSize: 10, maxLength: 5, numClasses: 7, dim: 8, depth: 1, heads: 2 };

const attentionClasses = (model: { layers: { name: string; getClassName(): string }[] }) =>
  model.layers.filter((l) => /^block\d+_attn$/.test(l.name)).map((l) => l.getClassName());

describeOn('wasm', 'hybrid stacks: one attention per block', () => {
  it("['tssa', 'softmax'] builds a TSSA block then a softmax block; save/load keeps both", async () => {
    const model = buildTokenClassifier({
      ...TOKEN_TASK,
      depth: 2,
      attention: ['tssa', 'softmax'],
      shortConv: 3,
      seed: 3,
    });
    const tssaClass = model.getLayer('block0_attn').getClassName();
    expect(tssaClass).not.toBe(model.getLayer('block1_attn').getClassName());
    // Each block's class is the one its registered name creates on its own.
    const single = (name: string) => {
      const m = buildTokenClassifier({ ...TOKEN_TASK, depth: 1, attention: name });
      const cls = m.getLayer('block0_attn').getClassName();
      m.dispose();
      return cls;
    };
    expect(attentionClasses(model)).toEqual([single('tssa'), single('softmax')]);
    const ids = tf.tensor2d(
      [
        [1, 2, 3, 4, 5, 6],
        [6, 5, 4, 3, 2, 1],
      ],
      [2, 6],
      'int32',
    );
    await expectSaveLoadIdentical(model, ids);
    ids.dispose();
    model.dispose();
  });

  it('{ default, layers } replaces the listed blocks only', () => {
    const model = buildSequenceClassifier({
      ...TOKEN_TASK,
      numClasses: 2,
      depth: 3,
      attention: { default: 'tssa', layers: { 1: 'local' } },
    });
    const [a, b, c] = attentionClasses(model);
    expect(a).toBe(c);
    expect(b).not.toBe(a);
    expect(getAttentionDescriptor('local').causal).toBe(false);
    model.dispose();
  });

  it('checks the list against the depth, the indices and the kind of each block', () => {
    const base = { ...TOKEN_TASK, numClasses: 2, depth: 2 };
    expect(() => buildSequenceClassifier({ ...base, attention: ['tssa'] })).toThrow(
      /option 'attention' lists 1 attentions, but depth is 2/,
    );
    expect(() =>
      buildSequenceClassifier({ ...base, attention: { default: 'tssa', layers: { 2: 'softmax' } } }),
    ).toThrow(/'attention.layers' has key '2', expected a block index 0 … 1/);
    expect(() => buildSequenceClassifier({ ...base, attention: ['tssa', 7 as unknown as string] })).toThrow(
      /option 'attention\[1\]' must be/,
    );
    // tost-bench's hybrid syntax a+b points to the builders' list form.
    expect(() => buildSequenceClassifier({ ...base, attention: 'tssa+softmax' })).toThrow(
      /is 'tssa\+softmax', which is not registered; .*; a hybrid stack is a list with one name per block \(e\.g\. \["tssa","softmax"\]\)/,
    );
    // An object without `default` is shown as given, not as "[object Object]".
    expect(() =>
      buildSequenceClassifier({ ...base, attention: { layers: { 1: 'softmax' } } as unknown as string }),
    ).toThrow(/got \{ layers: \{ 1: "softmax" \} \}$/);
    expect(() => buildCausalLM({ ...TINY_LM, attention: ['causal-tssa', 'softmax'] })).toThrow(
      /attention 'softmax' is not causal/,
    );
  });
});

describeOn('wasm', 'buildTokenClassifier: one logit vector per position', () => {
  it('outputs [batch, length, classes] for causal and non-causal attentions', () => {
    for (const attention of ['tssa', 'causal-tssa', 'softmax']) {
      const model = buildTokenClassifier({ ...PER_POSITION, attention });
      const ids = tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], 'int32');
      const y = model.predict(ids) as tf.Tensor;
      expect(y.shape).toEqual([1, 5, 7]);
      tf.dispose([ids, y]);
      model.dispose();
    }
  });

  it('rejects unknown options by name', () => {
    expect(() => buildTokenClassifier({ ...PER_POSITION, pooling: 'cls' } as never)).toThrow(
      /buildTokenClassifier.*pooling/,
    );
  });
});
