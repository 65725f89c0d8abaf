import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '../register-variants.js';
import { ShortConvolution } from './short-convolution.js';
import { buildCausalLM } from '../builders/causal-lm.js';
import { buildSequenceClassifier } from '../builders/sequence-classifier.js';
import { generate } from '../generation/generate.js';
import { TINY_LM, describeOn } from '../test-helpers.js';

describeOn('wasm', 'ShortConvolution (causal depth-wise conv added to its input)', () => {
  it('computes y_t = x_t + b + Σ_j w_j x_{t−j} (zeros before the first token)', () => {
    const conv = new ShortConvolution({ dim: 2, kernelSize: 3 });
    const x = tf.tensor3d([
      [
        [1, 10],
        [2, 20],
        [3, 30],
        [4, 40],
      ],
    ]);
    conv.apply(x);
    // Taps: w_0 (current) = [1, 0.5], w_1 = [2, 0], w_2 = [-1, 1]; bias [0.1, -0.1].
    conv.setWeights([
      tf.tensor2d([
        [1, 0.5],
        [2, 0],
        [-1, 1],
      ]),
      tf.tensor1d([0.1, -0.1]),
    ]);
    const y = conv.apply(x) as tf.Tensor;
    // Written out by hand, channel 0: t=0: 1 + .1 + 1·1 = 2.1; t=1: 2 + .1 + 2 + 2·1 = 6.1; t=2: 3 + .1 + 3 + 4 − 1 = 9.1;
    // t=3: 4 + .1 + 4 + 6 − 2 = 12.1. Channel 1: t=0: 10 − .1 + 5 = 14.9; t=1: 20 − .1 + 10 = 29.9;
    // t=2: 30 − .1 + 15 + 10 = 54.9; t=3: 40 − .1 + 20 + 20 = 79.9.
    const expected = [2.1, 14.9, 6.1, 29.9, 9.1, 54.9, 12.1, 79.9];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    tf.dispose([x, y]);
    conv.dispose();
  });

  it('is causal: changing a later token leaves earlier outputs unchanged', () => {
    const conv = new ShortConvolution({ dim: 3, kernelSize: 4 });
    const a = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 1);
    const changed = tf.tidy(() => tf.concat([tf.slice(a, [0, 0, 0], [2, 4, 3]), tf.ones([2, 2, 3])], 1));
    const ya = conv.apply(a) as tf.Tensor;
    const yb = conv.apply(changed) as tf.Tensor;
    const early = (t: tf.Tensor) => Array.from(tf.slice(t, [0, 0, 0], [2, 4, 3]).dataSync());
    expect(early(yb)).toEqual(early(ya));
    const late = (t: tf.Tensor) => Array.from(tf.slice(t, [0, 4, 0], [2, 1, 3]).dataSync());
    expect(late(yb)).not.toEqual(late(ya));
    tf.dispose([a, changed, ya, yb]);
  });

  it('leaks no tensors, round-trips its config, and names bad options', () => {
    const conv = new ShortConvolution({ dim: 4, kernelSize: 2, name: 'c' });
    const x = tf.ones([1, 3, 4]);
    tf.dispose(conv.apply(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    tf.dispose(conv.apply(x) as tf.Tensor);
    expect(tf.memory().numTensors).toBe(before);
    const copy = ShortConvolution.fromConfig(ShortConvolution, conv.getConfig()) as ShortConvolution;
    expect([copy.dim, copy.kernelSize]).toEqual([4, 2]);
    expect(() => new ShortConvolution({ dim: 4, kernelSize: 1 })).toThrow(
      /'kernelSize' must be an integer ≥ 2/,
    );
    expect(() =>
      buildSequenceClassifier({
        vocabSize: 5,
        maxLength: 4,
        dim: 8,
        depth: 1,
        heads: 2,
        numClasses: 2,
        shortConv: 1,
      }),
    ).toThrow(/buildSequenceClassifier: option 'shortConv' must be an integer kernel width ≥ 2 .* got 1/);
    expect(() =>
      buildCausalLM({ vocabSize: 5, maxLength: 4, dim: 8, depth: 1, heads: 2, shortConv: 2.5 }),
    ).toThrow(/option 'shortConv'/);
    tf.dispose(x);
  });

  it('sits in every block of a builder, named <block>_short_conv', async () => {
    const model = buildCausalLM({
      ...TINY_LM,
      shortConv: 4,
      seed: 1,
    });
    const convs = model.layers.filter((l) => l.getClassName() === 'ShortConvolution').map((l) => l.name);
    expect(convs).toEqual(['block0_short_conv', 'block1_short_conv']);
    // The streaming decoder does not carry the convolution's state: 'stream' refuses, 'auto' re-runs the window.
    await expect(generate(model, [[1, 2]], { maxNewTokens: 2, mode: 'stream' })).rejects.toThrow(
      /mode 'stream' does not support blocks with a short convolution/,
    );
    const out = await generate(model, [[1, 2]], { maxNewTokens: 2 });
    expect((out as number[][])[0]!.length).toBe(4);
    model.dispose();
  });
});
