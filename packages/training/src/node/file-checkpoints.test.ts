import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { FileCheckpoints } from './file-checkpoints.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const fresh = () => new FileCheckpoints(mkdtempSync(join(tmpdir(), 'ckpt-')));

describe('FileCheckpoints', () => {
  it('round-trip tensors (float32 and int32) and metadata exactly, keeping the newest two', async () => {
    const store = fresh();
    const a = tf.tensor2d([
      [1.5, -2],
      [3, 4e-9],
    ]);
    const b = tf.tensor1d([7, -3], 'int32');
    for (const step of [10, 20, 30]) {
      await store.save({ step, configKey: 'k', extra: { curve: [step] } }, [
        { name: 'a', tensor: a },
        { name: 'opt/b', tensor: b },
      ]);
    }
    expect(store.steps()).toEqual([20, 30]);
    expect(readdirSync(store.location).some((f) => f.endsWith('.tmp'))).toBe(false);
    const loaded = (await store.loadLatest('k'))!;
    expect(loaded.step).toBe(30);
    expect(loaded.extra).toEqual({ curve: [30] });
    expect(loaded.tensors.get('a')!.arraySync()).toEqual(a.arraySync());
    expect(loaded.tensors.get('opt/b')!.dtype).toBe('int32');
    expect(loaded.tensors.get('opt/b')!.arraySync()).toEqual([7, -3]);
    store.clear();
    expect(store.steps()).toEqual([]);
    tf.dispose([a, b, ...loaded.tensors.values()]);
  });

  it('returns undefined where there is no checkpoint', async () => {
    expect(await fresh().loadLatest('k')).toBeUndefined();
    expect(new FileCheckpoints(join(tmpdir(), 'does-not-exist-ckpt')).steps()).toEqual([]);
  });

  it('a damaged checkpoint is a clear error, never a silent restart', async () => {
    const store = fresh();
    const a = tf.ones([4]);
    await store.save({ step: 5, configKey: 'k', extra: {} }, [{ name: 'a', tensor: a }]);
    const bin = join(store.location, 'ckpt-00000005.bin');
    const json = join(store.location, 'ckpt-00000005.json');
    const good = readFileSync(bin);
    writeFileSync(bin, good.subarray(0, 8));
    await expect(store.loadLatest('k')).rejects.toThrow(
      /corrupt checkpoint .*ckpt-00000005\.bin: checksum mismatch/,
    );
    writeFileSync(bin, good);
    await expect(store.loadLatest('other')).rejects.toThrow(/another configuration/);
    const manifest = readFileSync(json, 'utf8');
    writeFileSync(json, manifest.replace('tost-checkpoint-2', 'tost-checkpoint-1'));
    await expect(store.loadLatest('k')).rejects.toThrow(/format 'tost-checkpoint-1'.*start the run over/);
    writeFileSync(json, '{"format": "tost-checkpoint-2", "step":');
    await expect(store.loadLatest('k')).rejects.toThrow(
      /corrupt checkpoint .*ckpt-00000005\.json: cannot parse/,
    );
    expect(() => new FileCheckpoints(store.location, 0)).toThrow(/keep must be an integer ≥ 1, got 0/);
    a.dispose();
  });
});
