import { expect, it } from 'vitest';
import { describeOn } from '../test-helpers.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tost/variants';
import { buildCausalLM } from './causal-lm.js';
import { buildDualEncoderClassifier } from './dual-encoder-classifier.js';
import { buildSequenceClassifier } from './sequence-classifier.js';
import { buildVisionClassifier } from './vision-classifier.js';

/** Builders are called from JavaScript too, where nothing stops a misspelt option: each must name it. */
describeOn('cpu', 'builders reject unknown (misspelt) options, naming them', () => {
  const text = { vocabSize: 10, maxLength: 8, numClasses: 2, dim: 8, depth: 1, heads: 2 };
  const cases: [string, () => unknown, RegExp][] = [
    [
      'buildSequenceClassifier',
      () => buildSequenceClassifier({ ...text, dropot: 0.1 } as never),
      /^buildSequenceClassifier: unknown option 'dropot'; expected any of .*\bdropout\b/,
    ],
    [
      'buildDualEncoderClassifier',
      () =>
        buildDualEncoderClassifier({ ...text, combin: 'concat', pooling: 'mean', polling: 'cls' } as never),
      /^buildDualEncoderClassifier: unknown options 'combin', 'polling'; expected any of .*\bcombine\b/,
    ],
    [
      'buildVisionClassifier',
      () =>
        buildVisionClassifier({
          imageSize: 32,
          patchSize: 8,
          numClasses: 10,
          dim: 16,
          depth: 1,
          heads: 2,
          pathSize: 8,
        } as never),
      /^buildVisionClassifier: unknown option 'pathSize'; expected any of .*\bpatchSize\b/,
    ],
    [
      'buildCausalLM',
      () =>
        buildCausalLM({ vocabSize: 10, maxLength: 8, dim: 8, depth: 1, heads: 2, maxLenght: 16 } as never),
      /^buildCausalLM: unknown option 'maxLenght'; expected any of .*\bmaxLength\b/,
    ],
  ];
  for (const [name, build, message] of cases) {
    it(name, () => {
      expect(build).toThrow(TypeError);
      expect(build).toThrow(message);
    });
  }

  it('a misspelt required option is reported as unknown (not as the missing one)', () => {
    const { vocabSize: _v, ...rest } = text;
    expect(() => buildSequenceClassifier({ ...rest, vocabsize: 10 } as never)).toThrow(
      /^buildSequenceClassifier: unknown option 'vocabsize'/,
    );
    expect(() => buildDualEncoderClassifier({ ...rest, vocabsize: 10 } as never)).toThrow(
      /^buildDualEncoderClassifier: unknown option 'vocabsize'/,
    );
  });

  it("an unknown 'output' is named with the choices", () => {
    expect(() => buildSequenceClassifier({ ...text, output: 'bogus' as 'logits' })).toThrow(
      /option 'output' must be one of 'logits', 'probabilities'/,
    );
  });

  it("buildCausalLM takes a published size as 'preset' (explicit options win); a bad name is named", () => {
    const model = buildCausalLM({ preset: 'tost-lm-base', vocabSize: 11, dim: 24, depth: 1 });
    const shapes = Object.fromEntries(model.weights.map((w) => [w.originalName, w.shape]));
    // maxLength 1024 and heads 12 come from the preset; vocabSize, dim and depth were given.
    expect(shapes['positions/positions']).toEqual([1024, 24]);
    expect(shapes['token_embedding/embeddings']).toEqual([11, 24]);
    expect(model.layers.filter((l) => (l as unknown as { heads?: number }).heads === 12).length).toBe(1);
    model.dispose();
    expect(() => buildCausalLM({ preset: 'tost-lm-huge' as never, vocabSize: 11 })).toThrow(
      /^buildCausalLM: option 'preset' must be one of tost-lm-base, tost-lm-medium, tost-lm-large, got "tost-lm-huge"/,
    );
  });

  it('every documented option is accepted (a complete set builds)', () => {
    const model = buildSequenceClassifier({
      ...text,
      mlpRatio: 2,
      attention: 'tssa',
      block: 'tost',
      dropout: 0,
      attentionDropout: 0,
      layerScaleInit: false,
      dropPath: 0,
      layerNormEpsilon: 1e-5,
      pooling: 'class-attention',
      positional: 'learned',
      maskPadding: true,
      output: 'logits',
      seed: 3,
      headHidden: 8,
      name: 'complete',
    });
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });
});

describeOn('cpu', 'causal encoders in the sequence classifier', () => {
  const base = { vocabSize: 10, maxLength: 6, numClasses: 3, dim: 8, depth: 1, heads: 2, seed: 1 };

  it("fit under pooling 'class-attention' and 'mean' (which read every token), for every causal variant", async () => {
    const { listAttentions } = await import('@tost/attention');
    const causal = listAttentions().filter((d) => d.causal);
    expect(causal.length).toBeGreaterThan(0);
    const ids = tf.tensor2d(
      [
        [1, 2, 3, 4, 0, 0],
        [5, 6, 7, 8, 9, 1],
      ],
      [2, 6],
      'int32',
    );
    for (const d of causal) {
      for (const pooling of ['class-attention', 'mean'] as const) {
        const model = buildSequenceClassifier({ ...base, attention: d.name, pooling });
        const logits = model.predict(ids) as tf.Tensor;
        expect(logits.shape, `${d.name} / ${pooling}`).toEqual([2, 3]);
        expect(Array.from(logits.dataSync()).every(Number.isFinite), `${d.name} / ${pooling}`).toBe(true);
        logits.dispose();
        model.dispose();
      }
    }
    ids.dispose();
  });

  it("is an error under pooling 'cls' (the CLS token at position 0 would see nothing), with the poolings that fit", () => {
    expect(() => buildSequenceClassifier({ ...base, attention: 'causal-tssa', pooling: 'cls' })).toThrow(
      /attention 'causal-tssa' is causal .*; with pooling 'class-attention' or 'mean' \(which read every token\) a causal encoder fits/,
    );
  });
});
