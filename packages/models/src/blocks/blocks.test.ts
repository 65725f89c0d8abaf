import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectClose } from '@tost/vitest-config';
import {
  LayerCache,
  LearnedPositionalEmbedding,
  buildSequenceClassifier,
  buildVisionClassifier,
  classAttentionBlock,
  crateBlock,
  createAttentionForSlot,
  toSTBlock,
} from '../index.js';
import { withWeights, describeOn } from '../test-helpers.js';

/**
 * Wiring tests: the expected outputs are composed by hand from the model's own sub-layers applied one at a time
 * (each sub-layer has its own tests), so what is checked is the block's equation, not the sub-layers.
 */
const dim = 8;
const apply = (model: tfl.LayersModel, name: string, x: tf.Tensor) =>
  model.getLayer(name).apply(x) as tf.Tensor;

/** A non-causal `spec` attention (2 heads of width dim / 2) for the block named `block`: layer `${block}_attn`. */
const blockAttention = (spec: string, block: string) =>
  createAttentionForSlot(spec, { dim, heads: 2, name: `${block}_attn` }, { owner: 'test', causal: false });

function randomizeWeights(layer: tfl.layers.Layer, seed: number): void {
  const weights = layer.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.2, 1.5, 'float32', seed + i));
  layer.setWeights(weights);
  tf.dispose(weights);
}

describeOn('wasm', 'blocks', () => {
  it('ToST block: pre-norm, layer scale, MLP with GELU: x₁ = x + γ₁⊙attn(LN₁x), out = x₁ + γ₂⊙MLP(LN₂x₁)', () => {
    const input = tfl.input({ shape: [5, dim] });
    const attention = blockAttention('tssa', 'b');
    const output = toSTBlock(input, undefined, {
      attention,
      dim,
      name: 'b',
      mlpRatio: 2,
      layerScaleInit: 0.5,
      dropPath: 0.3, // stochastic depth: the identity at inference
    });
    const model = tfl.model({ inputs: input, outputs: output });
    // Distinct γ per channel and per branch, so that a swapped or missing scale shows.
    randomizeWeights(model.getLayer('b_attn_scale'), 1);
    randomizeWeights(model.getLayer('b_mlp_scale'), 11);
    expect(model.getLayer('b_mlp_fc1').getConfig().activation).toBe('gelu');
    expect(model.getLayer('b_mlp_fc1').getConfig().units).toBe(2 * dim);
    expect(model.layers.map((l) => l.name)).toEqual(
      expect.arrayContaining(['b_attn_drop_path', 'b_mlp_drop_path']),
    );
    const x = tf.randomNormal([2, 5, dim], 0, 1, 'float32', 3);
    const actual = model.predict(x) as tf.Tensor;
    const expected = tf.tidy(() => {
      const a = apply(model, 'b_attn', apply(model, 'b_ln1', x));
      const x1 = tf.add(x, apply(model, 'b_attn_scale', a));
      const m = apply(model, 'b_mlp_fc2', apply(model, 'b_mlp_fc1', apply(model, 'b_ln2', x1)));
      return tf.add(x1, apply(model, 'b_mlp_scale', m));
    });
    expectClose(actual.dataSync(), expected.dataSync(), { rtol: 1e-5, atol: 1e-6, label: 'ToST block' });
    tf.dispose([x, actual, expected]);
  });

  it('CRATE block: Z½ = Z + attn(LN₁Z), Z⁺ = ISTA(LN₂Z½), no residual around ISTA; MSSA by default in builders', () => {
    const input = tfl.input({ shape: [5, dim] });
    const attention = blockAttention('mssa', 'c');
    const model = tfl.model({
      inputs: input,
      outputs: crateBlock(input, undefined, { attention, dim, name: 'c' }),
    });
    const ista = model.getLayer('c_ista') as unknown as { eta: number; lambda: number };
    expect([ista.eta, ista.lambda]).toEqual([0.1, 0.1]);
    const x = tf.randomNormal([2, 5, dim], 0, 1, 'float32', 4);
    const actual = model.predict(x) as tf.Tensor;
    const expected = tf.tidy(() => {
      const half = tf.add(x, apply(model, 'c_attn', apply(model, 'c_ln1', x)));
      return apply(model, 'c_ista', apply(model, 'c_ln2', half));
    });
    expectClose(actual.dataSync(), expected.dataSync(), { rtol: 1e-5, atol: 1e-6, label: 'CRATE block' });
    // The ISTA output is a ReLU: a residual around it would let negative values through.
    const smallest = tf.min(actual);
    expect(smallest.dataSync()[0]).toBeGreaterThanOrEqual(0);
    tf.dispose([x, actual, expected, smallest]);
    const crate = buildSequenceClassifier({
      vocabSize: 5,
      maxLength: 4,
      numClasses: 2,
      dim,
      depth: 1,
      heads: 2,
      block: 'crate',
    });
    expect(crate.getLayer('block0_attn').getClassName()).toBe('MSSA');
  });

  it('class-attention block: only the CLS token changes, the other tokens pass through bit for bit', () => {
    const input = tfl.input({ shape: [4, dim] });
    const output = classAttentionBlock(input, undefined, { dim, heads: 2, layerScaleInit: 1, name: 'ca' });
    const model = tfl.model({ inputs: input, outputs: output });
    const x = tf.randomNormal([2, 4, dim], 0, 1, 'float32', 5);
    const y = model.predict(x) as tf.Tensor;
    const tokensIn = tf.slice(x, [0, 1, 0], [2, 3, dim]);
    const tokensOut = tf.slice(y, [0, 1, 0], [2, 3, dim]);
    expect(Array.from(tokensOut.dataSync())).toEqual(Array.from(tokensIn.dataSync()));
    const clsChange = tf.max(
      tf.abs(tf.sub(tf.slice(y, [0, 0, 0], [2, 1, dim]), tf.slice(x, [0, 0, 0], [2, 1, dim]))),
    );
    expect(clsChange.dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, y, tokensIn, tokensOut, clsChange]);
  });

  it('layer-scale γ starts at 1.0 up to 12 blocks and at 1e-5 deeper (ToST vision)', () => {
    const base = { imageSize: 8, patchSize: 2, numClasses: 2, dim: 8, heads: 2, attention: 'softmax' };
    const gamma = (depth: number) =>
      buildVisionClassifier({ ...base, depth })
        .getLayer('block0_attn_scale')
        .getWeights()[0]!
        .dataSync()[0];
    expect(gamma(12)).toBe(1);
    expect(gamma(13)).toBeCloseTo(1e-5, 12);
  });

  it('shares layers through a LayerCache: two wirings of one block use the same weights', () => {
    const layers = new LayerCache();
    const attention = blockAttention('softmax', 's');
    const a = tfl.input({ shape: [3, dim] });
    const b = tfl.input({ shape: [3, dim] });
    const options = { attention, dim, name: 's', layers };
    const model = tfl.model({
      inputs: [a, b],
      outputs: [toSTBlock(a, undefined, options), toSTBlock(b, undefined, options)],
    });
    const x = tf.randomNormal([1, 3, dim], 0, 1, 'float32', 6);
    const [ya, yb] = model.predict([x, x]) as tf.Tensor[];
    expect(Array.from(ya!.dataSync())).toEqual(Array.from(yb!.dataSync()));
    tf.dispose([x, ya!, yb!]);
  });

  it('learned positions add table rows 0…L−1 and refuse lengths beyond maxLength', () => {
    const table = [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ];
    const layer = withWeights(
      new LearnedPositionalEmbedding({ maxLength: 4, dim: 2 }),
      [null, null, 2],
      table,
    );
    const y = layer.apply(tf.zeros([1, 3, 2])) as tf.Tensor;
    expect(y.arraySync()).toEqual([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ]);
    expect(() => layer.apply(tf.zeros([1, 5, 2]))).toThrow(/positions up to 5 requested, but maxLength = 4/);
    y.dispose();
  });
});
