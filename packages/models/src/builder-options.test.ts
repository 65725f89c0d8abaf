import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@tost/backend';
import '@tost/variants';
import { buildCausalLM } from './causal-lm.js';
import { buildDualEncoderClassifier } from './dual-encoder-classifier.js';
import { buildSequenceClassifier } from './sequence-classifier.js';
import { buildVisionClassifier } from './vision-classifier.js';

/** Builders are called from JavaScript too, where nothing stops a misspelt option: each must name it. */
describe('builders reject unknown (misspelt) options, naming them', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  const text = { vocabSize: 10, maxLength: 8, numClasses: 2, dim: 8, depth: 1, heads: 2 };
  const cases: [string, () => unknown, RegExp][] = [
    [
      'buildSequenceClassifier',
      () => buildSequenceClassifier({ ...text, dropot: 0.1 } as never),
      /^buildSequenceClassifier: unknown option 'dropot'; expected any of .*\bdropout\b/,
    ],
    [
      'buildDualEncoderClassifier',
      () => buildDualEncoderClassifier({ ...text, combin: 'concat', pooling: 'mean', polling: 'cls' } as never),
      /^buildDualEncoderClassifier: unknown options 'combin', 'polling'; expected any of .*\bcombine\b/,
    ],
    [
      'buildVisionClassifier',
      () => buildVisionClassifier({ imageSize: 32, patchSize: 8, numClasses: 10, dim: 16, depth: 1, heads: 2, pathSize: 8 } as never),
      /^buildVisionClassifier: unknown option 'pathSize'; expected any of .*\bpatchSize\b/,
    ],
    [
      'buildCausalLM',
      () => buildCausalLM({ vocabSize: 10, maxLength: 8, dim: 8, depth: 1, heads: 2, maxLenght: 16 } as never),
      /^buildCausalLM: unknown option 'maxLenght'; expected any of .*\bmaxLength\b/,
    ],
  ];
  for (const [name, build, message] of cases) {
    it(name, () => {
      expect(build).toThrow(TypeError);
      expect(build).toThrow(message);
    });
  }

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
