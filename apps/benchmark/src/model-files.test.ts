import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { buildSequenceClassifier } from '@tost/models';
import { fileSystem } from '@tost/backend/node';

const tmp = mkdtempSync(join(tmpdir(), 'model-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('fileSystem (@tost/backend/node): model files that say what is wrong', () => {
  let original: string;
  let bytes: Buffer;
  beforeAll(async () => {
    await initBackend('wasm');
    const model = buildSequenceClassifier({
      vocabSize: 6,
      maxLength: 4,
      numClasses: 2,
      dim: 8,
      depth: 1,
      heads: 2,
      seed: 1,
    });
    original = join(tmp, 'original');
    await model.save(fileSystem(original));
    model.dispose();
    bytes = readFileSync(join(original, 'weights.bin'));
  });

  /** A copy of the saved model, altered by `change`. */
  function variant(name: string, change: (dir: string) => void): string {
    const dir = join(tmp, name);
    cpSync(original, dir, { recursive: true });
    change(dir);
    return dir;
  }

  it('round-trips, and records a SHA-256 of weights.bin', async () => {
    const json = JSON.parse(readFileSync(join(original, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const model = await tfl.loadLayersModel(fileSystem(original));
    expect(model.countParams()).toBeGreaterThan(0);
    model.dispose();
  });

  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'one byte short',
      (d) => truncateSync(join(d, 'weights.bin'), bytes.length - 1),
      /weights\.bin is too short: \d+ bytes, but .*model\.json describes \d+; weight '[^']+' \(shape \[[\d, ]+\], float32\) needs bytes/,
    ],
    [
      'four bytes short',
      (d) => truncateSync(join(d, 'weights.bin'), bytes.length - 4),
      /weights\.bin is too short/,
    ],
    ['empty', (d) => truncateSync(join(d, 'weights.bin'), 0), /weights\.bin is too short: 0 bytes/],
    [
      'four bytes extra',
      (d) => writeFileSync(join(d, 'weights.bin'), Buffer.concat([bytes, Buffer.alloc(4)])),
      /weights\.bin is too long: \d+ bytes, but .*model\.json describes \d+ \(4 extra bytes after the last weight/,
    ],
    [
      'a flipped byte',
      (d) => {
        const copy = Buffer.from(bytes);
        copy[17] = copy[17]! ^ 0xff;
        writeFileSync(join(d, 'weights.bin'), copy);
      },
      /weights\.bin is corrupt: its SHA-256 is [0-9a-f]{64}, but .*model\.json recorded [0-9a-f]{64} when it was saved/,
    ],
    [
      'no weightsManifest',
      (d) => {
        const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
        delete json.weightsManifest;
        writeFileSync(join(d, 'model.json'), JSON.stringify(json));
      },
      /model\.json: no 'weightsManifest' \(expected an array of \{ paths, weights \} groups/,
    ],
    [
      'a weightsManifest that is not an array',
      (d) => {
        const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
        json.weightsManifest = { paths: ['weights.bin'] };
        writeFileSync(join(d, 'model.json'), JSON.stringify(json));
      },
      /'weightsManifest' must be an array/,
    ],
    [
      'a weight spec without a shape',
      (d) => {
        const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
        delete json.weightsManifest[0].weights[1].shape;
        writeFileSync(join(d, 'model.json'), JSON.stringify(json));
      },
      /weightsManifest\[0\]\.weights\[1\] must have a name, a shape/,
    ],
    [
      'no modelTopology',
      (d) => {
        const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
        delete json.modelTopology;
        writeFileSync(join(d, 'model.json'), JSON.stringify(json));
      },
      /model\.json has no 'modelTopology'/,
    ],
    [
      'missing weights.bin',
      (d) => rmSync(join(d, 'weights.bin')),
      /weight file .*weights\.bin \(listed in model\.json\) is missing/,
    ],
    [
      'missing model.json',
      (d) => rmSync(join(d, 'model.json')),
      /no saved model at .*model\.json \(file not found\)/,
    ],
    [
      'model.json not JSON',
      (d) => writeFileSync(join(d, 'model.json'), '{"model'),
      /model\.json is not valid JSON/,
    ],
  ];
  for (const [what, change, message] of cases) {
    it(`${what}: a clear error naming the file`, async () => {
      const dir = variant(what.replace(/\W+/g, '-'), change);
      await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(message);
    });
  }

  it('a file without a checksum (older runs) still loads when its size matches', async () => {
    const dir = variant('no-checksum', (d) => {
      const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8'));
      delete json.weightsManifest[0].sha256;
      writeFileSync(join(d, 'model.json'), JSON.stringify(json));
    });
    const model = await tfl.loadLayersModel(fileSystem(dir));
    model.dispose();
  });
});
