import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tost/models';
import { readCheckpoint, readSafetensors } from '@tost/convert';
import { fileSystem } from '@tost/backend/node';
import { runCli } from './run-cli.test-helper.js';
import { CONVERT_FIXTURES as FIXTURES } from './spawn-cli.test-helper.js';

/** `tost-bench convert ARGS` in-process; rejects with the command's error. */
async function convertCli(args: string[]): Promise<void> {
  const { error, stderr } = await runCli(['convert', ...args]);
  if (error) throw new Error(`${error.message}\n${stderr}`);
}

const work = mkdtempSync(join(tmpdir(), 'tost-convert-cli-'));
const bytes = (path: string) => new Uint8Array(readFileSync(path));

describe('tost-bench convert', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('.pth → tfjs model directory that loads and matches PyTorch; → safetensors with the same weights', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const dir = join(work, 'tost-vision');
    await convertCli([
      '--from',
      join(FIXTURES, 'tost-vision.pth'),
      '--out',
      dir,
      '--image-size',
      '32',
      '--backend',
      'wasm',
    ]);
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    expect(printed).toMatch(
      /inferred tost-vision: imageSize=32 channels=3 patchSize=8 dim=32 depth=2 heads=4/,
    );
    expect(printed).toMatch(/parameters: 55,450/);

    const model = await tfl.loadLayersModel(fileSystem(dir));
    const io = readSafetensors(bytes(join(FIXTURES, 'tost-vision.io.safetensors')));
    const input = io.tensors.get('input_nchw')!;
    const y = tf.tidy(() => {
      const x = tf.transpose(
        tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number]),
        [0, 2, 3, 1],
      );
      return (model.predict(x) as tf.Tensor).dataSync();
    });
    const expected = io.tensors.get('output')!.data as Float32Array;
    const scale = Math.max(...expected.map(Math.abs));
    expect(Math.max(...y.map((v, i) => Math.abs(v - expected[i]!))) / scale).toBeLessThan(1e-4);
    model.dispose();

    const file = join(work, 'tost-vision.safetensors');
    await convertCli(['--to', 'safetensors', '--from', dir, '--out', file, '--backend', 'wasm']);
    const back = readCheckpoint(bytes(file));
    const original = readCheckpoint(bytes(join(FIXTURES, 'tost-vision.safetensors')));
    expect([...back.tensors.keys()].sort()).toEqual([...original.tensors.keys()].sort());
    for (const [k, t] of original.tensors)
      expect(Array.from(back.tensors.get(k)!.data as Float32Array), k).toEqual(
        Array.from(t.data as Float32Array),
      );
    log.mockRestore();
  });

  const bad: [string, string[], RegExp][] = [
    ['no --from', ['--out', 'x'], /--from FILE .* is required/],
    ['no --out', ['--from', 'x'], /--out DIR .* is required/],
    [
      'an unknown --arch',
      ['--from', 'x', '--out', 'y', '--arch', 'vit'],
      /option '--arch <name>' argument 'vit' is invalid. Allowed choices are auto, tost-vision, tost-lm, gpt2, crate/,
    ],
    [
      'an unknown --to',
      ['--from', 'x', '--out', 'y', '--to', 'onnx'],
      /argument 'onnx' is invalid. Allowed choices are tfjs, safetensors/,
    ],
    [
      'a bad --class-norm',
      ['--from', 'x', '--out', 'y', '--class-norm', 'some'],
      /argument 'some' is invalid. Allowed choices are all, cls/,
    ],
    [
      'a negative --image-size',
      ['--from', 'x', '--out', 'y', '--image-size', '-3'],
      /--image-size must be a positive integer, got '-3'/,
    ],
  ];
  it.each(bad)('rejects %s', async (_what, args, message) => {
    await expect(convertCli(args)).rejects.toThrow(message);
  });
});
