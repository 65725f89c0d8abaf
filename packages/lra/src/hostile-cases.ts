import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateListOps } from './listops/generate.js';
import { writeListOpsTsv } from './listops/tsv.js';
import { writeTinyPathfinder } from './test-helpers.js';

/**
 * Damaged LRA data files, generated from small valid ones (test-only: hostile.test.ts, and tools/hostile/measure.mjs
 * through HOSTILE_OUT). `path` is the file (listops, retrieval) or folder (text, pathfinder) handed to the loader.
 */
export interface HostileDataCase {
  reader: 'listops' | 'retrieval' | 'text' | 'pathfinder';
  name: string;
  path: string;
  /** The file the one-line error must name (a file inside `path` for folders). */
  names: string;
  expected: RegExp;
}

function truncatedCopy(bytes: Buffer, fraction: number): Buffer {
  return bytes.subarray(0, Math.floor(bytes.length * fraction));
}

function flippedCopy(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] = out[at]! ^ 0xff;
  return out;
}

/** Writes the cases' files under `dir` and returns them. */
export function writeHostileDataCases(dir: string): HostileDataCase[] {
  fs.mkdirSync(dir, { recursive: true });
  const cases: HostileDataCase[] = [];
  const file = (name: string, content: string | Buffer): string => {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  };

  // ListOps: a valid TSV of 40 rows, then damaged copies.
  const valid = path.join(dir, 'listops-valid.tsv');
  writeListOpsTsv(
    valid,
    generateListOps({ counts: { train: 40, val: 1, test: 1 }, minLength: 20, maxLength: 80, seed: 5 }).train,
  );
  const tsv = fs.readFileSync(valid);
  const listops = (name: string, content: string | Buffer, expected: RegExp) => {
    const p = file(`listops-${name.replace(/\W+/g, '-')}.tsv`, content);
    cases.push({ reader: 'listops', name, path: p, names: p, expected });
  };
  const cutRow =
    /:\d+: (expected 2 tab-separated columns|malformed ListOps expression|Target must be an integer label)/;
  listops(
    'truncated at 0 %',
    truncatedCopy(tsv, 0),
    /:1: empty file: expected the header "Source<TAB>Target"/,
  );
  listops(
    'truncated at 0.1 %',
    truncatedCopy(tsv, 0.001),
    /:1: expected the header "Source<TAB>Target", got "So/,
  );
  listops('truncated at 30 %', truncatedCopy(tsv, 0.3), cutRow);
  listops('truncated at 97 %', truncatedCopy(tsv, 0.97), cutRow);
  listops(
    'flipped header byte',
    flippedCopy(tsv, 2),
    /:1: expected the header "Source<TAB>Target", got "So\ufffd/,
  );
  listops(
    'label out of range',
    `Source\tTarget\n( [MAX 2 3 ] )\t12\n`,
    /:2: Target must be an integer label 0–9, got "12"/,
  );
  listops(
    'a checkpoint given as data',
    Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)]),
    /:1: expected the header/,
  );
  listops(
    'UTF-16 text',
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Source\tTarget\n', 'utf16le')]),
    /the file is UTF-16 text/,
  );
  listops(
    '100 MiB without a newline',
    Buffer.alloc(100 << 20, 0x28),
    /:1: line longer than 64 MiB without a newline/,
  );

  // Retrieval (AAN pairs): 5 tab-separated columns per line.
  const rows = Array.from(
    { length: 30 },
    (_, i) => `${i % 2}.0\tP${i}\tQ${i}\t${'word '.repeat(20)}\t${'text '.repeat(15)}`,
  ).join('\n');
  const aan = Buffer.from(`${rows}\n`);
  const retrieval = (name: string, content: string | Buffer, expected: RegExp) => {
    const p = file(`aan-${name.replace(/\W+/g, '-')}.tsv`, content);
    cases.push({ reader: 'retrieval', name, path: p, names: p, expected });
  };
  retrieval('truncated at 0 %', truncatedCopy(aan, 0), /: no examples in file/);
  retrieval('truncated at 0.1 %', truncatedCopy(aan, 0.001), /:1: expected 5 tab-separated columns/);
  retrieval(
    'truncated at 30 %',
    truncatedCopy(aan, 0.3),
    /:\d+: expected 5 tab-separated columns \(label id1 id2 text1 text2\), got [1-4]/,
  );
  retrieval('truncated at 97 %', truncatedCopy(aan, 0.97), /:\d+: expected 5 tab-separated columns/);
  retrieval('flipped label byte', flippedCopy(aan, 0), /:1: label must be 0\.0 or 1\.0, got "\ufffd\.0"/);
  retrieval('binary file', Buffer.alloc(5000, 0xab), /:1: expected 5 tab-separated columns/);

  // Text (IMDB): a review folder with an empty review and a UTF-16 one.
  const text = (name: string, files: Record<string, string | Buffer>, bad: string, expected: RegExp) => {
    const root = path.join(dir, `imdb-${name.replace(/\W+/g, '-')}`);
    for (const [rel, content] of Object.entries(files))
      file(path.relative(dir, path.join(root, rel)), content);
    cases.push({ reader: 'text', name, path: root, names: path.join(root, bad), expected });
  };
  const reviews = {
    'train/pos/0_9.txt': 'Good',
    'train/neg/0_1.txt': 'Bad',
    'test/pos/0_9.txt': 'Yes',
    'test/neg/0_1.txt': 'No',
  };
  text('empty review', { ...reviews, 'train/neg/1_2.txt': '' }, 'train/neg/1_2.txt', /: empty review/);
  text(
    'UTF-16 review',
    { ...reviews, 'train/pos/1_8.txt': Buffer.from([0xff, 0xfe, 0x41, 0]) },
    'train/pos/1_8.txt',
    /the file is UTF-16 text/,
  );

  // Pathfinder: a generated set with a damaged PNG, and a damaged metadata line.
  const pathfinder = (name: string, damage: (folder: string) => string, expected: RegExp) => {
    const root = path.join(dir, `pathfinder-${name.replace(/\W+/g, '-')}`);
    const bad = damage(writeTinyPathfinder(root, 2, 20));
    cases.push({ reader: 'pathfinder', name, path: root, names: bad, expected });
  };
  const firstImage = (folder: string) => {
    const line = fs
      .readFileSync(path.join(folder, 'metadata', '0.npy'), 'utf8')
      .split('\n')[0]!
      .split(' ');
    return path.join(folder, line[0]!, line[1]!);
  };
  /** Rewrites `file` with `damage` applied to its bytes; returns it (the file the error must name). */
  const rewrite = (file: string, damage: (bytes: Buffer) => Buffer) => {
    fs.writeFileSync(file, damage(fs.readFileSync(file)));
    return file;
  };
  pathfinder(
    'truncated PNG (97 %)',
    (folder) => rewrite(firstImage(folder), (png) => truncatedCopy(png, 0.97)),
    /truncated or corrupt PNG/,
  );
  pathfinder(
    'flipped PNG byte',
    (folder) => rewrite(firstImage(folder), (png) => flippedCopy(png, 40)),
    /truncated or corrupt PNG/,
  );
  pathfinder(
    'metadata truncated at 30 %',
    (folder) =>
      path.dirname(rewrite(path.join(folder, 'metadata', '0.npy'), (meta) => truncatedCopy(meta, 0.3))),
    /:\d+: (expected at least 4 space-separated fields|label \(field 4\) must be 0 or 1)|only \d+ image\(s\) listed/,
  );
  return cases;
}
