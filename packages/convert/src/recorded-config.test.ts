import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { importStateDict, readCheckpoint, recordHyperparameters, type ImportResult } from './index.js';
import { readCheckpointFile } from './node.js';
import { FIXTURES, fixtureBytes, fixtureIO, predictFixture, relativeError } from './test-helpers.js';

/** nanoGPT train.py's checkpoint and the same weights as Hugging Face-style safetensors + config.json (tools/fixtures). */
const HF_DIR = join(FIXTURES, 'nanogpt-hf');
const work = mkdtempSync(join(tmpdir(), 'tost-recorded-'));

/** The converted model's logits on the fixture's ids against PyTorch's. */
function relativeErrorVsPytorch(result: ImportResult): number {
  const io = fixtureIO('nanogpt-train');
  const y = tf.tidy(() => predictFixture(result.model, io.tensors.get('ids')!).dataSync());
  return relativeError(y as Float32Array, io.tensors.get('logits')!.data as Float32Array);
}

function dispose(result: ImportResult): void {
  result.model.dispose();
  result.model.getLayer('token_embedding').dispose(); // the tied embedding is applied twice (see import.test.ts)
}

describe("a nanoGPT checkpoint's own config gives what the weights do not store", () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('train.py checkpoint: heads from model_args.n_head (width 16 is no preset), output matches PyTorch', () => {
    const sd = readCheckpoint(fixtureBytes('nanogpt-train.pth'));
    expect(sd.recorded.heads).toEqual({ value: 2, source: 'model_args.n_head' });
    expect(sd.recorded.blockSize).toEqual({ value: 8, source: 'model_args.block_size' });
    expect(sd.recorded.bias).toEqual({ value: true, source: 'model_args.bias' });
    const result = importStateDict(sd);
    expect(result.config).toMatchObject({
      heads: 2,
      blockSize: 8,
      bias: true,
      dim: 16,
      attention: 'softmax-causal',
    });
    expect(result.sources).toEqual([
      'heads=2 from model_args.n_head',
      'blockSize=8 from the weights (rows of transformer.wpe.weight); model_args.block_size agrees',
      'bias=true from the weights (transformer.h.0.ln_1.bias present); model_args.bias agrees',
    ]);
    expect(relativeErrorVsPytorch(result)).toBeLessThan(1e-4);
    dispose(result);
  });

  it('an option heads that contradicts model_args.n_head is an error naming both', () => {
    const sd = readCheckpoint(fixtureBytes('nanogpt-train.pth'));
    expect(() => importStateDict(sd, { heads: 4 })).toThrow(
      "option 'heads' (--heads) is 4, but the checkpoint's model_args.n_head is 2",
    );
    // The same value is fine, and the log says both agree.
    const result = importStateDict(sd, { heads: 2 });
    expect(result.sources[0]).toBe("heads=2 from option 'heads'; model_args.n_head agrees");
    dispose(result);
  });

  it('a recorded block size or bias that contradicts the weights is an error naming both', () => {
    const sd = readCheckpoint(fixtureBytes('nanogpt-train.pth'));
    sd.recorded.blockSize = { value: 1024, source: 'model_args.block_size' };
    expect(() => importStateDict(sd)).toThrow(
      "the checkpoint's model_args.block_size is 1024 but transformer.wpe.weight has 8 rows",
    );
    const sd2 = readCheckpoint(fixtureBytes('nanogpt-train.pth'));
    sd2.recorded.bias = { value: false, source: 'model_args.bias' };
    expect(() => importStateDict(sd2)).toThrow(
      "the checkpoint's model_args.bias is False but the weights have LayerNorm biases",
    );
  });

  it('.safetensors with a Hugging Face config.json beside it: n_head and n_positions from there', () => {
    const sd = readCheckpointFile(join(HF_DIR, 'model.safetensors'));
    expect(sd.recorded.heads).toEqual({ value: 2, source: 'config.json n_head' });
    expect(sd.recorded.blockSize).toEqual({ value: 8, source: 'config.json n_positions' });
    const result = importStateDict(sd);
    expect(result.sources[0]).toBe('heads=2 from config.json n_head');
    expect(relativeErrorVsPytorch(result)).toBeLessThan(1e-4);
    dispose(result);
    expect(() =>
      importStateDict(readCheckpointFile(join(HF_DIR, 'model.safetensors')), { heads: 8 }),
    ).toThrow("option 'heads' (--heads) is 8, but the checkpoint's config.json n_head is 2");
  });

  it('config.json: transformers key names, a byte-order mark, and a broken file named in the error', () => {
    const dir = join(work, 'hf-style');
    rmSync(dir, { recursive: true, force: true });
    copyFileSync(join(HF_DIR, 'model.safetensors'), join(work, 'model.safetensors'));
    writeFileSync(
      join(work, 'config.json'),
      '\uFEFF{"num_attention_heads": 2, "max_position_embeddings": 8, "bias": true}',
    );
    const sd = readCheckpointFile(join(work, 'model.safetensors'));
    expect(sd.recorded.heads).toEqual({ value: 2, source: 'config.json num_attention_heads' });
    expect(sd.recorded.blockSize).toEqual({ value: 8, source: 'config.json max_position_embeddings' });
    writeFileSync(join(work, 'config.json'), '{"n_head": 2,');
    expect(() => readCheckpointFile(join(work, 'model.safetensors'))).toThrow(
      /config\.json: not a readable JSON file/,
    );
    writeFileSync(join(work, 'config.json'), '[2]');
    expect(() => readCheckpointFile(join(work, 'model.safetensors'))).toThrow(
      /config\.json: expected a JSON object of hyperparameters, got an array/,
    );
  });

  it('a config.json value of the wrong type that nothing else gives is an error naming the key and the value', () => {
    copyFileSync(join(HF_DIR, 'model.safetensors'), join(work, 'model.safetensors'));
    writeFileSync(join(work, 'config.json'), '{"n_head": "two", "n_positions": 8}');
    expect(() => readCheckpointFile(join(work, 'model.safetensors'))).toThrow(
      /config\.json n_head must be a positive integer, got "two"/,
    );
  });

  it('model_args wins over config; a disagreement is a note, values of the wrong type are noted and ignored', () => {
    const recorded = recordHyperparameters([
      [
        'model_args.',
        new Map<string, unknown>([
          ['n_head', 4n],
          ['bias', 'yes'],
        ]),
      ],
      [
        'config.',
        new Map<string, unknown>([
          ['n_head', 6],
          ['block_size', 64],
          ['bias', false],
        ]),
      ],
    ]);
    expect(recorded.heads).toEqual({ value: 4, source: 'model_args.n_head' });
    expect(recorded.blockSize).toEqual({ value: 64, source: 'config.block_size' });
    expect(recorded.bias).toEqual({ value: false, source: 'config.bias' });
    expect(recorded.notes).toEqual([
      'config.n_head = 6 differs from model_args.n_head = 4; model_args.n_head is used',
      'model_args.bias must be a boolean, got "yes": ignored',
    ]);
  });

  it('a .pth without model_args still needs the heads (the earlier behaviour), naming the option', () => {
    const sd = readCheckpoint(fixtureBytes('nanogpt.safetensors'));
    expect(sd.recorded.heads).toBeUndefined();
    expect(() => importStateDict(sd)).toThrow(/pass option 'heads' \(--heads\)/);
  });
});
