import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tost/backend';
import { generate } from '@tost/models';
import {
  exportStateDict,
  importStateDict,
  readCheckpoint,
  readSafetensors,
  writeSafetensors,
  type TensorData,
} from './index.js';
import { FIXTURE_CASES } from './fixture-cases.js';
import { fixtureBytes, fixtureIO, predictFixture, relativeError } from './test-helpers.js';

/** Saves to memory and loads back, as model.json + weights would (the metadata travels with it). */
async function saveLoad(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

function bitsEqual(a: TensorData, b: TensorData): boolean {
  const x = a.data as ArrayLike<number | bigint>;
  const y = b.data as ArrayLike<number | bigint>;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

describe('round trip PyTorch → tfjs → model.json → safetensors → tfjs is exact', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  for (const c of FIXTURE_CASES) {
    it(c.name, async () => {
      const original = readCheckpoint(fixtureBytes(`${c.name}.pth`));
      const first = importStateDict(original, c.options);
      const loaded = await saveLoad(first.model);
      const exported = exportStateDict(loaded);
      expect(exported.arch).toBe(c.arch);
      // Every weight goes back bit for bit under its official name (buffers: BatchNorm counters are written as 0).
      for (const [key, t] of original.tensors) {
        const back = exported.tensors.get(key);
        expect(back, key).toBeDefined();
        expect(back!.shape, key).toEqual(t.shape);
        expect(bitsEqual(back!, t), key).toBe(true);
      }
      const file = writeSafetensors(exported.tensors, exported.metadata);
      expect(readSafetensors(file).metadata.arch).toBe(c.arch);
      // Back in: heads and image size come from the file's metadata (no options), and the weights are the same bits.
      const second = importStateDict(readCheckpoint(file));
      expect(second.config).toEqual(first.config);
      const a = first.model.getWeights();
      const b = second.model.getWeights();
      expect(b.length).toBe(a.length);
      a.forEach((w, i) => expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(w.dataSync())));
      for (const m of [first.model, loaded, second.model]) m.dispose();
    });
  }

  it('a ToST vision model built with tokens_norm=false gives other outputs (the test sees the class-attention path)', () => {
    const io = fixtureIO('tost-vision');
    const sd = readCheckpoint(fixtureBytes('tost-vision.safetensors'));
    const wrong = importStateDict(sd, { imageSize: 32, tokensNorm: false });
    const y = tf.tidy(() => predictFixture(wrong.model, io.tensors.get('input_nchw')!).dataSync());
    expect(relativeError(y, io.tensors.get('output')!.data as Float32Array)).toBeGreaterThan(1e-2);
    wrong.model.dispose();
  });
});

describe("greedy generation of the converted language models equals PyTorch's", () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const cases = [
    { name: 'tost-lm', modes: ['stream', 'prefix'] as const, heads: undefined },
    { name: 'tost-lm-softmax', modes: ['prefix'] as const, heads: 4 },
    { name: 'nanogpt', modes: ['prefix'] as const, heads: 4 },
  ];
  for (const c of cases) {
    for (const mode of c.modes) {
      it(`${c.name} (${mode})`, async () => {
        const io = fixtureIO(c.name);
        const { model } = importStateDict(readCheckpoint(fixtureBytes(`${c.name}.pth`)), { heads: c.heads });
        const prompt = Array.from(io.tensors.get('prompt')!.data as BigInt64Array, Number);
        const expected = Array.from(io.tensors.get('greedy')!.data as BigInt64Array, Number);
        const tokens = await generate(model, prompt, {
          maxNewTokens: expected.length - prompt.length,
          temperature: 0,
          mode,
        });
        expect(tokens).toEqual(expected);
        model.dispose();
      });
    }
  }
});
