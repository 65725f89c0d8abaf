import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import {
  exportStateDict,
  importStateDict,
  readCheckpoint,
  writeSafetensors,
  type ImportResult,
} from './index.js';
import { FIXTURE_CASES, type FixtureCase } from './fixture-cases.js';
import { fixtureBytes, fixtureIO, predictFixture, relativeError } from './test-helpers.js';

/** Runs the converted model on the fixture's input; returns [ours, PyTorch's]. */
function runFixture(c: FixtureCase, result: ImportResult): [Float32Array, Float32Array] {
  const io = fixtureIO(c.name);
  return tf.tidy(() => {
    const y = predictFixture(result.model, io.tensors.get(c.vision ? 'input_nchw' : 'ids')!);
    const expected = io.tensors.get(c.vision ? 'output' : 'logits')!;
    expect(y.shape).toEqual(expected.shape);
    return [y.dataSync() as Float32Array, expected.data as Float32Array];
  });
}

describe("fixture structure against the authors' modules", () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  for (const c of FIXTURE_CASES) {
    it(`${c.name}.pth has the authors' keys and shapes; the converted model has PyTorch's parameter count`, async () => {
      // Import, export and dispose leave no tensor behind.
      await expectNoLeakedTensors(() => structure(c));
    });
  }
});

/** Keys and shapes of the fixture vs the authors' modules; parameter count; the keys written back. */
function structure(c: FixtureCase): void {
  const sd = readCheckpoint(fixtureBytes(`${c.name}.pth`));
  const shapes = Object.fromEntries([...sd.tensors].map(([k, t]) => [k, t.shape]));
  for (const k of sd.skipped) shapes[k] = c.keys[k]!; // buffers that are not weights: names only
  expect(Object.keys(shapes).sort()).toEqual(Object.keys(c.keys).sort());
  expect(shapes).toEqual(c.keys);
  const result = importStateDict(sd, c.options);
  expect(result.parameterCount).toBe(Number(fixtureIO(c.name).metadata.params));
  // The way back writes the same keys (the causal-mask buffer of the slow attention path aside).
  const exported = exportStateDict(result.model);
  const back = Object.fromEntries([...exported.tensors].map(([k, t]) => [k, t.shape]));
  const expected = Object.fromEntries(Object.entries(c.keys).filter(([k]) => !k.endsWith('.attn.bias')));
  expect(back).toEqual(expected);
  result.model.dispose();
  // tfjs counts a layer applied twice (the tied embedding: ids → vectors and hidden → logits) twice, and a model's
  // dispose() releases it once: release it again (buildCausalLM models behave the same).
  if (!c.vision) result.model.getLayer('token_embedding').dispose();
}

const worst: Record<string, number> = {};

for (const backend of testBackends()) {
  describe(`converted fixtures match PyTorch (eval mode) on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend as 'wasm' | 'cpu');
    });
    afterAll(() => {
      console.log(`worst relative error vs PyTorch on ${backend}: ${JSON.stringify(worst)}`);
    });
    for (const c of FIXTURE_CASES) {
      for (const format of ['pth', 'safetensors'] as const) {
        it(`${c.name} from .${format}`, async () => {
          const result = importStateDict(readCheckpoint(fixtureBytes(`${c.name}.${format}`)), c.options);
          expect(result.arch).toBe(c.arch);
          await expectNoLeakedTensors(() => {
            const [ours, torch] = runFixture(c, result);
            const err = relativeError(ours, torch);
            worst[`${c.name}/${backend}`] = Math.max(worst[`${c.name}/${backend}`] ?? 0, err);
            expect(err).toBeLessThan(1e-4);
          });
          result.model.dispose();
        });
      }
    }
  });
}

describe('Hugging Face GPT-2 layout (Conv1D weights [in, out], attn.masked_bias buffer)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('the nanoGPT fixture rewritten in that layout converts and matches PyTorch', () => {
    const c = FIXTURE_CASES.find((f) => f.name === 'nanogpt')!;
    const sd = readCheckpoint(fixtureBytes('nanogpt.safetensors'));
    const conv1d = ['attn.c_attn.weight', 'attn.c_proj.weight', 'mlp.c_fc.weight', 'mlp.c_proj.weight'];
    for (const [key, t] of sd.tensors) {
      if (!conv1d.some((s) => key.endsWith(s))) continue;
      const [rows, cols] = t.shape as [number, number];
      const v = t.data as Float32Array;
      const out = new Float32Array(v.length);
      for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = v[r * cols + k]!;
      sd.tensors.set(key, { dtype: 'F32', shape: [cols, rows], data: out });
    }
    const withBuffer = new Map(sd.tensors);
    withBuffer.set('transformer.h.0.attn.masked_bias', {
      dtype: 'F32',
      shape: [],
      data: new Float32Array([-1e4]),
    });
    const sdHf = readCheckpoint(writeSafetensors(withBuffer));
    expect(sdHf.skipped).toEqual(['transformer.h.0.attn.masked_bias']);
    const result = importStateDict(sdHf, c.options);
    expect(result.config).toMatchObject({ conv1d: true, bias: true, layerScale: false });
    const [ours, torch] = runFixture(c, result);
    expect(relativeError(ours, torch)).toBeLessThan(1e-4);
    result.model.dispose();
  });
});

describe('ToST vision at another image size (Fourier positions for a 6×6 grid)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('--image-size 48 with the same weights matches PyTorch at 48 px', () => {
    const io = fixtureIO('tost-vision');
    const result = importStateDict(readCheckpoint(fixtureBytes('tost-vision.pth')), { imageSize: 48 });
    const y = tf.tidy(() => predictFixture(result.model, io.tensors.get('input_nchw_48')!).dataSync());
    expect(relativeError(y, io.tensors.get('output_48')!.data as Float32Array)).toBeLessThan(1e-4);
    expect(() => importStateDict(readCheckpoint(fixtureBytes('tost-vision.pth')), { imageSize: 50 })).toThrow(
      /option 'imageSize' must be a positive multiple of the patch size 8, got 50/,
    );
    result.model.dispose();
  });
});
