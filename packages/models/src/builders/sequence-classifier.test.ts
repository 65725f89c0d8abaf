import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createAttention, type AttentionFactory } from '@tost/attention';
import { SoftmaxAttention } from '@tost/softmax';
import { expectClose, expectNoLeakedTensors, maxRelativeError } from '@tost/vitest-config';
import { buildDualEncoderClassifier, buildSequenceClassifier } from '../index.js';
import {
  expectSaveLoadIdentical,
  lossBeforeAndAfterTraining,
  trainStep,
  TOY_ROWS,
  toyBatch,
  toyPairs,
  describeOn,
} from '../test-helpers.js';

const tiny = { vocabSize: 10, maxLength: 8, numClasses: 2, dim: 16, depth: 1, heads: 2, mlpRatio: 2 };
const crossEntropy = (labels: tf.Tensor) => (logits: tf.Tensor) =>
  tf.losses.softmaxCrossEntropy(labels, logits);

/**
 * The logits for `ids` [[3, 4, 5, 0, 0, 0, 0, 0]] before and after the pad id's embedding row is changed (to 5s): if
 * padding leaks into attention or pooling, the logits move.
 */
function logitsBeforeAndAfterChangingPad(model: tfl.LayersModel): { before: tf.Tensor; after: tf.Tensor } {
  const ids = tf.tensor2d([[3, 4, 5, 0, 0, 0, 0, 0]], undefined, 'int32');
  const before = model.predict(ids) as tf.Tensor;
  const embedding = model.getLayer('token_embedding');
  const table = embedding.getWeights()[0]!;
  const changed = tf.concat([tf.fill([1, 16], 5), tf.slice(table, [1, 0], [9, 16])], 0);
  embedding.setWeights([changed]);
  const after = model.predict(ids) as tf.Tensor;
  tf.dispose([ids, table, changed]);
  return { before, after };
}

describeOn('wasm', 'buildSequenceClassifier', () => {
  // Every non-causal attention in both block kinds, with both poolings and both position kinds somewhere.
  // MSSA runs with 4 heads (subspaces of 4): its query is its key, so a CLS token scores itself highest; with 2 heads
  // of 8 at this toy width ~1 init in 10 left the CLS attending mostly to itself and training stalled in 30 steps.
  const combos = [
    { block: 'tost', attention: 'tssa', pooling: 'cls', positional: 'learned' },
    { block: 'tost', attention: 'softmax', pooling: 'mean', positional: 'sinusoidal' },
    { block: 'tost', attention: 'mssa', pooling: 'cls', positional: 'sinusoidal', heads: 4 },
    { block: 'crate', attention: 'mssa', pooling: 'cls', positional: 'learned', heads: 4 },
    { block: 'crate', attention: 'tssa', pooling: 'mean', positional: 'sinusoidal' },
    { block: 'crate', attention: 'softmax', pooling: 'cls', positional: 'learned' },
  ] as const;
  for (const c of combos) {
    it(`${c.block} + ${c.attention} (${c.pooling}, ${c.positional}): training lowers the loss, save/load is exact`, async () => {
      const model = buildSequenceClassifier({ ...tiny, ...c, dropout: 0.1, seed: 0 });
      const { ids, labels } = toyBatch();
      const logits = model.predict(ids) as tf.Tensor;
      expect(logits.shape).toEqual([8, 2]);
      const { before, after } = lossBeforeAndAfterTraining(model, ids, crossEntropy(labels));
      expect(after).toBeLessThan(0.5 * before);
      await expectSaveLoadIdentical(model, ids);
      tf.dispose([ids, labels, logits]);
    });
  }

  for (const attention of ['tssa', 'softmax', 'mssa']) {
    it(`${attention}: padded positions do not influence the logits (mask derived from pad id 0)`, () => {
      const model = buildSequenceClassifier({ ...tiny, attention, pooling: 'mean' });
      const { before, after } = logitsBeforeAndAfterChangingPad(model);
      expectClose(after.dataSync(), before.dataSync(), { rtol: 1e-5, atol: 1e-6, label: 'logits' });
      tf.dispose([before, after]);
    });
  }

  it('maskPadding: false treats id 0 as a real value (pixels): its embedding then moves the logits', () => {
    const model = buildSequenceClassifier({
      ...tiny,
      attention: 'tssa',
      pooling: 'mean',
      maskPadding: false,
    });
    const { before, after } = logitsBeforeAndAfterChangingPad(model);
    expect(maxRelativeError(after.dataSync(), before.dataSync())).toBeGreaterThan(1e-3);
    expect(() => buildSequenceClassifier({ ...tiny, maskPadding: 'no' as unknown as boolean })).toThrow(
      /maskPadding.*boolean.*"no"/,
    );
    tf.dispose([before, after]);
  });

  it("initialises token embeddings N(0, 1) as the LRA encoder does (not GPT-2's 0.02)", () => {
    const model = buildSequenceClassifier({ ...tiny, vocabSize: 200, dim: 32, positional: 'sinusoidal' });
    const values = Array.from(model.getLayer('token_embedding').getWeights()[0]!.dataSync());
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.9);
    expect(std).toBeLessThan(1.1);
  });

  for (const pooling of ['cls', 'class-attention'] as const) {
    it(`${pooling} pooling: a forward pass and a training step leak no tensors`, async () => {
      const model = buildSequenceClassifier({ ...tiny, attention: 'tssa', pooling });
      const { ids, labels } = toyBatch();
      const optimizer = tf.train.adam(1e-3);
      const step = () => tf.dispose(trainStep(model, ids, crossEntropy(labels), optimizer));
      step(); // creates the optimizer's slots
      await expectNoLeakedTensors(() => {
        step();
        tf.dispose(model.predict(ids) as tf.Tensor);
      });
      optimizer.dispose();
      tf.dispose([ids, labels]);
    });
  }

  it('rejects a causal attention, unknown names and bad options with clear messages', () => {
    expect(() => buildSequenceClassifier({ ...tiny, attention: 'softmax-causal' })).toThrow(
      /buildSequenceClassifier: attention 'softmax-causal' is causal .*needs a non-causal attention/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, attention: 'causal-tssa' })).toThrow(
      /'causal-tssa' is causal/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, block: 'crate', attention: 'causal-tssa' })).toThrow(
      /'causal-tssa' is causal/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, attention: 'nope' })).toThrow(
      /option 'attention' is 'nope', which is not registered; registered: .*tssa/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, heads: 3 })).toThrow(
      /'heads' \(3\) must divide 'dim' \(16\)/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, pooling: 'max' as 'cls' })).toThrow(
      /'pooling' must be one of 'cls', 'mean', 'class-attention', got "max"/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, block: 'vit' as 'tost' })).toThrow(
      /'block' must be one of 'tost', 'crate', got "vit"/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, dropout: 1 })).toThrow(
      /'dropout' must be a number in \[0, 1\)/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, vocabSize: 0 })).toThrow(
      /'vocabSize' must be a positive integer, got 0/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, lambda: -1 })).toThrow(
      /'lambda' must be a finite number ≥ 0/,
    );
    expect(() => buildSequenceClassifier({ ...tiny, attention: 42 as unknown as string })).toThrow(
      /option 'attention'/,
    );
  });

  it('accepts an attention factory, called once per block', () => {
    let calls = 0;
    const factory: AttentionFactory = (o) => {
      calls++;
      return createAttention('softmax', o);
    };
    const model = buildSequenceClassifier({ ...tiny, depth: 2, attention: factory });
    expect(calls).toBe(2);
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    expect(model.getLayer('block1_attn')).toBeInstanceOf(SoftmaxAttention);
  });
});

describeOn('wasm', 'buildDualEncoderClassifier', () => {
  for (const combine of ['concat', 'concat-product-difference'] as const) {
    it(`${combine}: one shared encoder (its weights counted once) and a head on ${combine === 'concat' ? '[u, v]' : '[u, v, u·v, u−v]'}`, () => {
      const model = buildDualEncoderClassifier({ ...tiny, attention: 'tssa', combine });
      const single = buildSequenceClassifier({ ...tiny, attention: 'tssa' });
      const head = (inputs: number) => inputs * 32 + 32 + 32 * 2 + 2; // Dense(mlpRatio·dim = 32) → Dense(2)
      const encoderWeights = single.countParams() - head(16);
      expect(model.countParams()).toBe(encoderWeights + head((combine === 'concat' ? 2 : 4) * 16));
      expect(model.inputs).toHaveLength(2);
    });
  }

  const combos = [
    { block: 'tost', attention: 'tssa', combine: 'concat', pooling: 'cls' },
    { block: 'tost', attention: 'softmax', combine: 'concat-product-difference', pooling: 'mean' },
    { block: 'tost', attention: 'mssa', combine: 'concat', pooling: 'mean' },
    { block: 'crate', attention: 'mssa', combine: 'concat-product-difference', pooling: 'cls', heads: 4 }, // see above
  ] as const;
  for (const c of combos) {
    it(`${c.block} + ${c.attention} (${c.combine}, ${c.pooling}): training lowers the loss, save/load is exact`, async () => {
      const model = buildDualEncoderClassifier({ ...tiny, ...c, dropout: 0.1, seed: 0 });
      const { first, second, labels } = toyPairs();
      const { before, after } = lossBeforeAndAfterTraining(model, [first, second], crossEntropy(labels));
      expect(after).toBeLessThan(0.5 * before);
      await expectSaveLoadIdentical(model, [first, second]);
      tf.dispose([first, second, labels]);
    });
  }

  it('the same ids on both inputs give u = v exactly (one encoder, not two), so u − v is zero', () => {
    const model = buildDualEncoderClassifier({ ...tiny, combine: 'concat-product-difference' });
    const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer('pair_combination').output });
    const ids = tf.tensor2d([TOY_ROWS[0]!, TOY_ROWS[1]!], undefined, 'int32');
    const pair = probe.predict([ids, ids]) as tf.Tensor2D;
    const [u, v, , difference] = tf.split(pair, 4, 1);
    expect(Array.from(difference!.dataSync())).toEqual(new Array(2 * 16).fill(0));
    expect(Array.from(u!.dataSync())).toEqual(Array.from(v!.dataSync()));
    tf.dispose([ids, pair, u!, v!, difference!]);
  });

  it('rejects a causal attention and a bad combine option', () => {
    expect(() => buildDualEncoderClassifier({ ...tiny, attention: 'causal-tssa' })).toThrow(
      /buildDualEncoderClassifier: attention 'causal-tssa' is causal/,
    );
    expect(() => buildDualEncoderClassifier({ ...tiny, combine: 'sum' as 'concat' })).toThrow(
      /'combine' must be one of 'concat', 'concat-product-difference', got "sum"/,
    );
  });
});
