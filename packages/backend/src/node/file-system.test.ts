import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../index.node.js';
import { fileSystem, registerFileSystemScheme } from './index.js';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tost-fs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function smallModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [3] });
  const output = tfl.layers.dense({ units: 2, name: 'dense' }).apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

describe('fileSystem IO handler', () => {
  it('saves model.json + weights.bin and loads the same weights back', async () => {
    const model = smallModel();
    const target = join(dir, 'a');
    const result = await model.save(fileSystem(target));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((3 * 2 + 2) * 4);
    expect(readdirSync(target).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const loaded = await tfl.loadLayersModel(fileSystem(target));
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const after = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).toEqual(before);
  });

  it('accepts a .json path and reads every shard of the manifest', async () => {
    const target = join(dir, 'b');
    await smallModel().save(fileSystem(join(target, 'net.json')));
    // Split weights.bin into two shards, as tfjs' converter writes them.
    const json = JSON.parse(readFileSync(join(target, 'net.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    const bytes = readFileSync(join(target, 'weights.bin'));
    writeFileSync(join(target, 'shard1.bin'), bytes.subarray(0, 12));
    writeFileSync(join(target, 'shard2.bin'), bytes.subarray(12));
    json.weightsManifest[0]!.paths = ['shard1.bin', 'shard2.bin'];
    writeFileSync(join(target, 'net.json'), JSON.stringify(json));
    const artifacts = await fileSystem(`file://${join(target, 'net.json')}`).load!();
    expect(new Uint8Array(artifacts.weightData as ArrayBuffer)).toEqual(new Uint8Array(bytes));
  });

  it('says which file is missing or broken', async () => {
    await expect(fileSystem(join(dir, 'nothing')).load!()).rejects.toThrow(/no saved model at .*model\.json/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    await expect(fileSystem(broken).load!()).rejects.toThrow(/broken\.json is not valid JSON/);
    const target = join(dir, 'c');
    await smallModel().save(fileSystem(target));
    rmSync(join(target, 'weights.bin'));
    await expect(fileSystem(target).load!()).rejects.toThrow(/weight file .*weights\.bin .* is missing/);
    expect(() => fileSystem('')).toThrow(/'path' must be a non-empty/);
  });

  it('registerFileSystemScheme makes file:// URLs work once', async () => {
    expect(tf.io.getSaveHandlers('file://x')).toHaveLength(0);
    expect(registerFileSystemScheme()).toBe(true);
    expect(registerFileSystemScheme()).toBe(false);
    const model = smallModel();
    await model.save(`file://${join(dir, 'd')}`);
    const loaded = await tfl.loadLayersModel(`file://${join(dir, 'd')}`);
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(
      model.getWeights().map((w) => Array.from(w.dataSync())),
    );
  });
});
