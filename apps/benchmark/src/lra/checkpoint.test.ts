import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { saveCheckpoint, loadLatestCheckpoint, listCheckpointSteps } from './checkpoint.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('checkpoints', () => {
  it('round-trip tensors and metadata exactly, keeping the newest two', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const a = tf.tensor2d([
      [1.5, -2],
      [3, 4e-9],
    ]);
    for (const step of [10, 20, 30]) {
      await saveCheckpoint(dir, { step, configKey: 'k', extra: { curve: [step] } }, [
        { name: 'a', tensor: a },
      ]);
    }
    expect(listCheckpointSteps(dir)).toEqual([20, 30]);
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    const loaded = loadLatestCheckpoint(dir, 'k')!;
    expect(loaded.step).toBe(30);
    expect(loaded.extra).toEqual({ curve: [30] });
    expect(loaded.tensors.get('a')!.arraySync()).toEqual(a.arraySync());
    tf.dispose([a, ...loaded.tensors.values()]);
  });

  it('returns undefined where there is no checkpoint', () => {
    expect(loadLatestCheckpoint(mkdtempSync(join(tmpdir(), 'ckpt-')), 'k')).toBeUndefined();
  });

  it('a damaged checkpoint is a clear error, never a silent restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const a = tf.ones([4]);
    await saveCheckpoint(dir, { step: 5, configKey: 'k', extra: {} }, [{ name: 'a', tensor: a }]);
    const bin = join(dir, 'ckpt-00000005.bin');
    const json = join(dir, 'ckpt-00000005.json');
    const good = readFileSync(bin);
    writeFileSync(bin, good.subarray(0, 8));
    expect(() => loadLatestCheckpoint(dir, 'k')).toThrow(
      /corrupt checkpoint .*ckpt-00000005\.bin: checksum mismatch/,
    );
    writeFileSync(bin, good);
    expect(() => loadLatestCheckpoint(dir, 'other')).toThrow(/another configuration/);
    writeFileSync(json, '{"format": "tost-checkpoint-1", "step":');
    expect(() => loadLatestCheckpoint(dir, 'k')).toThrow(
      /corrupt checkpoint .*ckpt-00000005\.json: cannot parse/,
    );
    a.dispose();
  });
});
