import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, loadImage, lumaGray } from './cifar.js';
import { loadRetrieval, loadRetrievalFile } from './retrieval.js';
import { loadText } from './text.js';
import { generateLraData } from './generate-data.js';
import { loadLra } from './load-lra.js';
import { iterateBatches, majorityClassAccuracy } from './batches.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lra-loaders-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Text and Retrieval: byte tokens (256 bytes + pad) and two classes. */
const BYTE_LEVEL_BINARY = { vocabSize: 257, numClasses: 2 };

function writeFiles(root: string, files: Record<string, string | Buffer>): string {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

describe('Text (byte-level IMDB)', () => {
  const dir = writeFiles(path.join(tmp, 'imdb'), {
    'train/pos/0_9.txt': 'Great!',
    'train/pos/1_8.txt': 'é ok', // 2-byte UTF-8 character
    'train/neg/0_1.txt': 'Bad.',
    'test/pos/0_10.txt': 'Yes',
    'test/neg/0_2.txt': 'No',
    'test/neg/1_3.txt': 'Nope, never',
  });

  it('tokenizes bytes as byte + 1 (0 = pad), labels pos = 1 / neg = 0, val = test', () => {
    const s = loadText(dir, { maxLength: 5 });
    expect(s.train).toMatchObject({ ...BYTE_LEVEL_BINARY, task: 'text', size: 3, maxLength: 5, dual: false });
    // neg first, then pos in file-name order
    expect([...s.train.tokens(0)]).toEqual([67, 98, 101, 47, 0]); // "Bad." = 66 97 100 46
    expect(s.train.label(0)).toBe(0);
    expect([...s.train.tokens(1)]).toEqual([72, 115, 102, 98, 117]); // "Great!" truncated to 5
    expect([...s.train.tokens(2)]).toEqual([0xc3 + 1, 0xa9 + 1, 33, 112, 108]); // é = C3 A9, then " ok"
    expect(s.train.label(2)).toBe(1);
    expect(s.val).toBe(s.test);
    expect(s.test.size).toBe(3);
    expect(loadText(dir).train.maxLength).toBe(4096);
  });

  it('names the missing folder or empty review', () => {
    expect(() => loadText(path.join(tmp, 'nope'))).toThrow(
      /nope[/\\]train[/\\]neg: cannot read the IMDB folder/,
    );
    const empty = writeFiles(path.join(tmp, 'imdb-empty'), {
      'train/pos/a.txt': 'x',
      'train/neg/b.txt': '',
      'test/pos/a.txt': 'x',
      'test/neg/b.txt': 'y',
    });
    expect(() => loadText(empty)).toThrow(/b\.txt: empty review/);
    const noTxt = writeFiles(path.join(tmp, 'imdb-notxt'), {
      'train/pos/a.txt': 'x',
      'train/neg/readme.md': 'x',
    });
    expect(() => loadText(noTxt)).toThrow(/neg: no \*\.txt reviews/);
  });
});

describe('Retrieval (AAN pairs)', () => {
  const dir = writeFiles(path.join(tmp, 'aan'), {
    'new_aan_pairs.train.tsv': '1.0\tP1\tP2\tabc\tde\n0.0\tP3\tP4\txyz12\t\n',
    'new_aan_pairs.eval.tsv': '0.0\tP5\tP6\ta\tb\n',
    'new_aan_pairs.test.tsv': '1\tP7\tP8\tq\tr\n',
  });

  it('reads two byte-level documents per row, label float 0.0 / 1.0', () => {
    const s = loadRetrieval(dir, { maxLength: 4 });
    expect(s.train).toMatchObject({
      ...BYTE_LEVEL_BINARY,
      task: 'retrieval',
      size: 2,
      maxLength: 4,
      dual: true,
    });
    expect([...s.train.tokens(0)]).toEqual([98, 99, 100, 0]);
    expect([...s.train.tokens2!(0)]).toEqual([101, 102, 0, 0]);
    expect([...s.train.tokens(1)]).toEqual([121, 122, 123, 50]); // "xyz1" (truncated)
    expect([...s.train.tokens2!(1)]).toEqual([0, 0, 0, 0]);
    expect([s.train.label(0), s.train.label(1)]).toEqual([1, 0]);
    expect([s.val.size, s.test.size, s.test.label(0)]).toEqual([1, 1, 1]);
    const [batch] = [...iterateBatches(s.train, { batchSize: 2 })];
    expect([...batch!.tokens2!]).toEqual([101, 102, 0, 0, 0, 0, 0, 0]);
    expect(loadRetrieval(dir).train.maxLength).toBe(4000);
  });

  it('names the file and line of malformed rows', () => {
    const bad = writeFiles(path.join(tmp, 'aan-bad'), {
      'cols.tsv': '1.0\tP1\tP2\tabc\tde\n1.0\tP1\tP2\tabc\n',
      'label.tsv': '0.5\tP1\tP2\tabc\tde\n',
      'empty.tsv': '',
    });
    expect(() => loadRetrievalFile(path.join(bad, 'cols.tsv'), 'train')).toThrow(
      /cols\.tsv:2: expected 5 tab-separated columns .* got 4/,
    );
    expect(() => loadRetrievalFile(path.join(bad, 'label.tsv'), 'train')).toThrow(
      /label\.tsv:1: label must be 0\.0 or 1\.0, got "0\.5"/,
    );
    expect(() => loadRetrievalFile(path.join(bad, 'empty.tsv'), 'train')).toThrow(/empty\.tsv: no examples/);
    expect(() => loadRetrieval(bad)).toThrow(/new_aan_pairs\.train\.tsv: cannot open file/);
  });
});

describe('Image (CIFAR-10 binary, grey)', () => {
  /** One record: label, then R, G, B planes where pixel p has (p % 256, (2p) % 256, 255 - p % 256). */
  const record = (label: number): Buffer => {
    const b = Buffer.alloc(CIFAR_RECORD_BYTES);
    b[0] = label;
    for (let p = 0; p < 1024; p++) {
      b[1 + p] = p % 256;
      b[1 + 1024 + p] = (2 * p) % 256;
      b[1 + 2048 + p] = 255 - (p % 256);
    }
    return b;
  };
  const files: Record<string, Buffer> = {};
  for (let f = 1; f <= 5; f++)
    files[`data_batch_${f}.bin`] = Buffer.concat([record(f), record((f + 5) % 10)]);
  files['test_batch.bin'] = Buffer.concat([record(9), record(0), record(3)]);
  const dir = writeFiles(path.join(tmp, 'cifar'), files);

  it('uses rounded ITU-R 601 luma', () => {
    expect(lumaGray(255, 255, 255)).toBe(255);
    expect(lumaGray(0, 0, 0)).toBe(0);
    expect(lumaGray(100, 0, 0)).toBe(30); // 29.9
    expect(lumaGray(0, 0, 10)).toBe(1); // 1.14
  });

  it('reads records as 1024 grey tokens; val = the last training records', () => {
    const s = loadImage(dir, { valSize: 3 });
    expect(s.train).toMatchObject({
      task: 'image',
      size: 7,
      maxLength: 1024,
      vocabSize: 256,
      numClasses: 10,
    });
    expect([s.val.size, s.test.size]).toEqual([3, 3]);
    // training order: batch1 rec1, batch1 rec2, batch2 rec1, ... ; labels f, (f+5)%10
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => s.train.label(i))).toEqual([1, 6, 2, 7, 3, 8, 4]);
    expect([0, 1, 2].map((i) => s.val.label(i))).toEqual([9, 5, 0]);
    expect([0, 1, 2].map((i) => s.test.label(i))).toEqual([9, 0, 3]);
    const t = s.test.tokens(1);
    for (const p of [0, 1, 100, 300, 1023]) {
      expect(t[p]).toBe(Math.round(0.299 * (p % 256) + 0.587 * ((2 * p) % 256) + 0.114 * (255 - (p % 256))));
    }
    // the default validation size (5000) needs the full 50k training records
    expect(() => loadImage(dir)).toThrow(/valSize must be an integer in \[0, 10\), got 5000/);
  });

  it('names the file and record of malformed input', () => {
    const bad = writeFiles(path.join(tmp, 'cifar-bad'), {
      ...files,
      'data_batch_3.bin': Buffer.concat([record(1), record(1).subarray(0, 100)]),
    });
    expect(() => loadImage(bad, { valSize: 1 })).toThrow(/data_batch_3\.bin \(record 2\): truncated record/);
    const badLabel = record(1);
    badLabel[0] = 12;
    const bad2 = writeFiles(path.join(tmp, 'cifar-bad2'), {
      ...files,
      'test_batch.bin': Buffer.concat([record(1), badLabel]),
    });
    expect(() => loadImage(bad2, { valSize: 1 })).toThrow(
      /test_batch\.bin \(record 2\): label byte must be 0–9, got 12/,
    );
    expect(() => loadImage(path.join(tmp, 'none'))).toThrow(/data_batch_1\.bin: cannot read CIFAR-10 batch/);
  });
});

describe('generateLraData + loadLra', () => {
  it('writes quick ListOps data that loads with the returned length', () => {
    const dir = path.join(tmp, 'gen-listops');
    const info = generateLraData('listops', dir, {
      quick: true,
      seed: 1,
      listops: { counts: { train: 50, val: 10, test: 10 } },
    });
    expect(info).toMatchObject({
      task: 'listops',
      counts: { train: 50, val: 10, test: 10 },
      maxSequenceLength: 499,
      published: false,
    });
    const s = loadLra('listops', dir, { maxLength: info.maxSequenceLength });
    expect([s.train.size, s.val.size, s.test.size]).toEqual([50, 10, 10]);
    for (let i = 0; i < s.train.size; i++) {
      const t = s.train.tokens(i);
      const len = t.indexOf(0) < 0 ? t.length : t.indexOf(0);
      expect(len).toBeGreaterThan(100);
    }
    expect(majorityClassAccuracy(s.train)).toBeGreaterThan(0.1);
    expect(majorityClassAccuracy(s.train)).toBeLessThan(1);
  });

  it('writes Pathfinder data that loads as pathfinder and Path-X', () => {
    const dir = path.join(tmp, 'gen-pf');
    const info = generateLraData('pathfinder', dir, {
      quick: true,
      seed: 2,
      pathfinder: { batches: 1, imagesPerBatch: 10 },
    });
    expect(info).toMatchObject({
      counts: { train: 8, val: 1, test: 1 },
      maxSequenceLength: 1024,
      published: false,
    });
    const s = loadLra('pathfinder', dir);
    expect([s.train.size, s.val.size, s.test.size]).toEqual([8, 1, 1]);
    generateLraData('pathfinder', dir, {
      quick: true,
      seed: 2,
      resolution: 128,
      pathfinder: { batches: 1, imagesPerBatch: 10 },
    });
    const x = loadLra('pathx', dir);
    expect(x.train).toMatchObject({ task: 'pathx', maxLength: 16384, size: 8 });
    expect(x.test.tokens(0).length).toBe(16384);
    expect(() => loadLra('nope' as 'text', dir)).toThrow(/task must be one of/);
  });

  it("writes easy-contour Pathfinder data (curv_baseline) that loads with difficulty 'easy' only", () => {
    const dir = path.join(tmp, 'gen-pf-easy');
    const info = generateLraData('pathfinder', dir, {
      quick: true,
      seed: 3,
      pathfinder: { batches: 1, imagesPerBatch: 10, difficulty: 'easy' },
    });
    expect(info).toMatchObject({
      difficulty: 'easy',
      published: false,
      counts: { train: 8, val: 1, test: 1 },
    });
    expect(fs.existsSync(path.join(dir, 'pathfinder32', 'curv_baseline', 'metadata'))).toBe(true);
    // The metadata's contour-length column (6th) says 6 paddles, the easy setting.
    const meta = fs.readFileSync(
      path.join(dir, 'pathfinder32', 'curv_baseline', 'metadata', '0.npy'),
      'utf8',
    );
    expect(meta.trim().split('\n')[0]!.split(' ')[5]).toBe('6');
    expect(loadLra('pathfinder', dir, { difficulty: 'easy' }).train.size).toBe(8);
    expect(() => loadLra('pathfinder', dir)).toThrow(/curv_contour_length_14/);
    expect(() =>
      generateLraData('pathfinder', dir, {
        quick: true,
        pathfinder: { batches: 1, imagesPerBatch: 1, difficulty: 'trivial' as 'easy' },
      }),
    ).toThrow(/pathfinder.difficulty must be easy, medium or hard, got trivial/);
  });
});
