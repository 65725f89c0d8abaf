import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tost/backend';
import { buildCausalLM, buildVisionClassifier } from '@tost/models';
import { exportStateDict, importStateDict, readCheckpoint, writeSafetensors } from './index.js';
import { crateKeys, gptKeys } from './authors-keys.js';
import { relativeError } from './test-helpers.js';

/** Gives every weight random values, so that zero biases or unit scales cannot hide a wrong mapping. */
function randomise(model: tfl.LayersModel): void {
  model.weights.forEach((w, i) =>
    tf.tidy(() => {
      w.write(tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', i + 1));
    }),
  );
}

function viaSafetensors(model: tfl.LayersModel, heads?: number) {
  const exported = exportStateDict(model);
  const keys = Object.fromEntries([...exported.tensors].map(([k, t]) => [k, t.shape]));
  const back = importStateDict(readCheckpoint(writeSafetensors(exported.tensors, exported.metadata)), {
    heads,
  });
  return { exported, keys, back };
}

/** The small language model all the LM cases share (vocabulary, context, width) and its keys' sizes. */
const LM = { vocabSize: 20, maxLength: 16, dim: 16 };
const LM_KEYS = { V: 20, T: 16, C: 16 };

interface ExportCase {
  name: string;
  build: () => tfl.LayersModel;
  /** The architecture the export names, and its state-dict keys → shapes in the authors' naming. */
  arch: string;
  keys: Record<string, number[]>;
  /** The model's input (an id batch or an image batch). */
  input: () => tf.Tensor;
  /** What else the exported file or the model read back must hold. */
  check?: (exported: ReturnType<typeof exportStateDict>, back: ReturnType<typeof importStateDict>) => void;
}

const EXPORT_CASES: ExportCase[] = [
  {
    name: 'buildCausalLM with causal TSSA → model_TSSA.py keys (bias=True; zero c_attn.bias)',
    build: () => buildCausalLM({ ...LM, depth: 2, heads: 2 }),
    arch: 'tost-lm',
    keys: gptKeys({
      ...LM_KEYS,
      depth: 2,
      H: 2,
      tssa: true,
      bias: true,
      layerScale: true,
      maskBuffer: false,
    }),
    input: () => tf.tensor2d([[1, 5, 7, 3, 19, 0, 2]], [1, 7], 'int32'),
    check: (exported) =>
      expect(
        Array.from(exported.tensors.get('transformer.h.1.attn.c_attn.bias')!.data as Float32Array),
      ).toEqual(new Array(16).fill(0)),
  },
  {
    name: 'buildCausalLM with softmax-causal → nanoGPT keys with gamma',
    build: () => buildCausalLM({ ...LM, depth: 1, heads: 4, attention: 'softmax-causal' }),
    arch: 'gpt2',
    keys: gptKeys({
      ...LM_KEYS,
      depth: 1,
      H: 4,
      tssa: false,
      bias: true,
      layerScale: true,
      maskBuffer: false,
    }),
    input: () => tf.tensor2d([[1, 5, 7, 3]], [1, 4], 'int32'),
    // The head count is not in the weights: it comes from the file's metadata.
    check: (_, back) => expect(back.config).toMatchObject({ heads: 4 }),
  },
  {
    name: 'buildVisionClassifier CRATE → model/crate.py keys',
    build: () =>
      buildVisionClassifier({
        block: 'crate',
        imageSize: 16,
        patchSize: 4,
        numClasses: 3,
        dim: 12,
        depth: 2,
        heads: 3,
      }),
    arch: 'crate',
    keys: crateKeys(12, 2, 4, 16, 3),
    input: () => tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 7),
  },
];

/** Models the authors' code cannot express, and the reason the export must give. */
const REFUSED: { build: () => tfl.LayersModel; error: RegExp }[] = [
  {
    build: () =>
      buildVisionClassifier({
        preset: 'tost-t',
        imageSize: 32,
        patchSize: 16,
        numClasses: 2,
        depth: 1,
        dim: 32,
        heads: 2,
      }),
    error: /no 'tostConvert' metadata and is not a buildCausalLM language model or a CRATE classifier/,
  },
  {
    build: () =>
      buildCausalLM({ vocabSize: 8, maxLength: 8, dim: 8, depth: 1, heads: 2, layerNormEpsilon: 1e-6 }),
    error: /LayerNorm 'block0_ln1' has epsilon 0.000001; tost-lm in the authors' code uses 1e-5/,
  },
  {
    build: () =>
      buildCausalLM({
        vocabSize: 8,
        maxLength: 8,
        dim: 8,
        depth: 2,
        heads: 2,
        attention: ['causal-tssa', 'softmax-causal'],
      }),
    error: /mixes attentions across blocks \(CausalTSSA, SoftmaxAttention\)/,
  },
  {
    build: () => buildCausalLM({ vocabSize: 8, maxLength: 8, dim: 8, depth: 1, heads: 2, shortConv: 4 }),
    error: /short convolution \(shortConv\)/,
  },
];

describe('models trained here (never imported) go to PyTorch naming and back with the same outputs', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(EXPORT_CASES)('$name', (c) => {
    const model = c.build();
    randomise(model);
    const { exported, keys, back } = viaSafetensors(model);
    expect(exported.arch).toBe(c.arch);
    expect(keys).toEqual(c.keys);
    c.check?.(exported, back);
    const x = c.input();
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (back.model.predict(x) as tf.Tensor).dataSync();
    expect(relativeError(b, a)).toBeLessThan(1e-6);
    tf.dispose(x);
    model.dispose();
    back.model.dispose();
  });

  it.each(REFUSED)(
    "refuses what the authors' code cannot express, saying why: $error",
    ({ build, error }) => {
      const model = build();
      expect(() => exportStateDict(model)).toThrow(error);
      model.dispose();
    },
  );
});
