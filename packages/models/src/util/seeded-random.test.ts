import { it, expect } from 'vitest';
import { describeOn } from '../test-helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  ToSTModel,
  buildCausalLM,
  buildDualEncoderClassifier,
  buildSequenceClassifier,
  buildVisionClassifier,
  seedMathRandom,
  withSeededRandom,
} from '../index.js';

function weights(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer)));
}

const text = { vocabSize: 10, maxLength: 6, numClasses: 3, dim: 8, depth: 1, heads: 2 };
const builders: [string, (seed?: number) => tfl.LayersModel][] = [
  ['sequence classifier (tssa)', (seed) => buildSequenceClassifier({ ...text, seed })],
  [
    'sequence classifier (softmax, sinusoidal, mean)',
    (seed) =>
      buildSequenceClassifier({
        ...text,
        attention: 'softmax',
        positional: 'sinusoidal',
        pooling: 'mean',
        seed,
      }),
  ],
  ['dual encoder', (seed) => buildDualEncoderClassifier({ ...text, seed })],
  [
    'vision (tost)',
    (seed) =>
      buildVisionClassifier({ imageSize: 8, patchSize: 4, numClasses: 3, dim: 16, depth: 1, heads: 2, seed }),
  ],
  [
    'vision (crate)',
    (seed) =>
      buildVisionClassifier({
        imageSize: 8,
        patchSize: 4,
        numClasses: 3,
        dim: 16,
        depth: 1,
        heads: 2,
        block: 'crate',
        attention: 'mssa',
        seed,
      }),
  ],
  ['causal LM', (seed) => buildCausalLM({ vocabSize: 10, maxLength: 6, dim: 8, depth: 1, heads: 2, seed })],
];

describeOn('wasm', 'seed: same seed, same weights', () => {
  for (const [name, build] of builders) {
    it(`${name}: the same seed builds bit-identical weights, another seed or none differs`, () => {
      const [a, b, c, d, e] = [build(7), build(7), build(8), build(), build()];
      expect(sameBits(weights(a), weights(b))).toBe(true);
      expect(sameBits(weights(a), weights(c))).toBe(false);
      expect(sameBits(weights(d), weights(e))).toBe(false);
      [a, b, c, d, e].forEach((m) => m.dispose());
    });
  }

  it('bad seeds are errors naming the option; Math.random is restored after a build, even a failed one', () => {
    const random = Math.random;
    for (const seed of [-1, 1.5, NaN, '3']) {
      expect(() => buildSequenceClassifier({ ...text, seed: seed as number })).toThrow(
        /buildSequenceClassifier: option 'seed' must be a non-negative integer/,
      );
    }
    buildSequenceClassifier({ ...text, seed: 1 }).dispose();
    expect(Math.random).toBe(random);
    expect(() =>
      withSeededRandom(1, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Math.random).toBe(random);
    const restore = seedMathRandom(5);
    const first = [Math.random(), Math.random()];
    restore();
    const again = seedMathRandom(5);
    expect([Math.random(), Math.random()]).toEqual(first);
    again();
    expect(Math.random).toBe(random);
  });

  it('seeding also makes dropout repeat (training with the same seed gives the same numbers)', () => {
    const run = () =>
      withSeededRandom(3, () => tf.tidy(() => Array.from(tf.dropout(tf.ones([64]), 0.5).dataSync())));
    expect(run()).toEqual(run());
  });

  it('save / loadLayersModel keeps the ToSTModel class (and with it the checks)', async () => {
    const model = buildSequenceClassifier({ ...text, seed: 2 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({
          modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' },
        });
      }),
    );
    expect((saved!.modelTopology as { class_name: string }).class_name).toBe('ToSTModel');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded).toBeInstanceOf(ToSTModel);
    expect(sameBits(weights(loaded), weights(model))).toBe(true);
    const empty = loaded.predict(tf.zeros([0, 6], 'int32')) as tf.Tensor;
    expect(empty.shape).toEqual([0, 3]);
    expect(() => loaded.predict(tf.tensor2d([[1, 2, 3, 4, 5, 0.5]]))).toThrow(/vocabSize 10/);
    model.dispose();
    loaded.dispose();
  });
});
