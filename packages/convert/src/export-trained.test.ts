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

describe('models trained here (never imported) go to PyTorch naming and back with the same outputs', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('buildCausalLM with causal TSSA → model_TSSA.py keys (bias=True; zero c_attn.bias)', () => {
    const model = buildCausalLM({ vocabSize: 20, maxLength: 16, dim: 16, depth: 2, heads: 2 });
    randomise(model);
    const { exported, keys, back } = viaSafetensors(model);
    expect(exported.arch).toBe('tost-lm');
    expect(keys).toEqual(
      gptKeys({
        V: 20,
        T: 16,
        C: 16,
        depth: 2,
        H: 2,
        tssa: true,
        bias: true,
        layerScale: true,
        maskBuffer: false,
      }),
    );
    expect(
      Array.from(exported.tensors.get('transformer.h.1.attn.c_attn.bias')!.data as Float32Array),
    ).toEqual(new Array(16).fill(0));
    const ids = tf.tensor2d([[1, 5, 7, 3, 19, 0, 2]], [1, 7], 'int32');
    const a = (model.predict(ids) as tf.Tensor).dataSync();
    const b = (back.model.predict(ids) as tf.Tensor).dataSync();
    expect(relativeError(b, a)).toBeLessThan(1e-6);
    tf.dispose(ids);
    model.dispose();
    back.model.dispose();
  });

  it('buildCausalLM with softmax-causal → nanoGPT keys with gamma', () => {
    const model = buildCausalLM({
      vocabSize: 20,
      maxLength: 16,
      dim: 16,
      depth: 1,
      heads: 4,
      attention: 'softmax-causal',
    });
    randomise(model);
    const { exported, keys, back } = viaSafetensors(model);
    expect(exported.arch).toBe('gpt2');
    expect(keys).toEqual(
      gptKeys({
        V: 20,
        T: 16,
        C: 16,
        depth: 1,
        H: 4,
        tssa: false,
        bias: true,
        layerScale: true,
        maskBuffer: false,
      }),
    );
    expect(back.config).toMatchObject({ heads: 4 }); // from the file's metadata
    const ids = tf.tensor2d([[1, 5, 7, 3]], [1, 4], 'int32');
    expect(
      relativeError(
        (back.model.predict(ids) as tf.Tensor).dataSync(),
        (model.predict(ids) as tf.Tensor).dataSync(),
      ),
    ).toBeLessThan(1e-6);
    tf.dispose(ids);
    model.dispose();
    back.model.dispose();
  });

  it('buildVisionClassifier CRATE → model/crate.py keys', () => {
    const model = buildVisionClassifier({
      block: 'crate',
      imageSize: 16,
      patchSize: 4,
      numClasses: 3,
      dim: 12,
      depth: 2,
      heads: 3,
    });
    randomise(model);
    const { exported, keys, back } = viaSafetensors(model);
    expect(exported.arch).toBe('crate');
    expect(keys).toEqual(crateKeys(12, 2, 4, 16, 3));
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 7);
    expect(
      relativeError(
        (back.model.predict(x) as tf.Tensor).dataSync(),
        (model.predict(x) as tf.Tensor).dataSync(),
      ),
    ).toBeLessThan(1e-6);
    tf.dispose(x);
    model.dispose();
    back.model.dispose();
  });

  it("refuses what the authors' code cannot express, saying why", () => {
    const tost = buildVisionClassifier({
      preset: 'tost-t',
      imageSize: 32,
      patchSize: 16,
      numClasses: 2,
      depth: 1,
      dim: 32,
      heads: 2,
    });
    expect(() => exportStateDict(tost)).toThrow(
      /no 'tostConvert' metadata and is not a buildCausalLM language model or a CRATE classifier/,
    );
    tost.dispose();
    const lm = buildCausalLM({
      vocabSize: 8,
      maxLength: 8,
      dim: 8,
      depth: 1,
      heads: 2,
      layerNormEpsilon: 1e-6,
    });
    expect(() => exportStateDict(lm)).toThrow(
      /LayerNorm 'block0_ln1' has epsilon 0.000001; tost-lm in the authors' code uses 1e-5/,
    );
    lm.dispose();
    const hybrid = buildCausalLM({
      vocabSize: 8,
      maxLength: 8,
      dim: 8,
      depth: 2,
      heads: 2,
      attention: ['causal-tssa', 'softmax-causal'],
    });
    expect(() => exportStateDict(hybrid)).toThrow(
      /mixes attentions across blocks \(CausalTSSA, SoftmaxAttention\)/,
    );
    hybrid.dispose();
    const withConv = buildCausalLM({ vocabSize: 8, maxLength: 8, dim: 8, depth: 1, heads: 2, shortConv: 4 });
    expect(() => exportStateDict(withConv)).toThrow(/short convolution \(shortConv\)/);
    withConv.dispose();
  });
});
