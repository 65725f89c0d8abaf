import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateListOps, LISTOPS_PUBLISHED, serializeListOps, type ListOpsExample } from './generate.js';
import { loadListOps, loadListOpsFile } from './load.js';
import { decodeListOps, encodeListOps, LISTOPS_OOV_ID, padListOps, tokenizeListOps } from './tokenize.js';
import { writeListOpsTsv } from './tsv.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lra-listops-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * Independent evaluator of a serialised expression, written the way the reference's `to_value` works: parse the
 * parentheses into nested pairs, then fold them left to right.
 */
function evaluateSerialized(source: string): number {
  const words = source.split(' ');
  let pos = 0;
  type Tree = string | [Tree, Tree];
  const parse = (): Tree => {
    const w = words[pos++]!;
    if (w !== '(') return w;
    const left = parse();
    const right = parse();
    if (words[pos++] !== ')') throw new Error(`expected ) at word ${pos}`);
    return [left, right];
  };
  type Value = number | string | { op: string; args: number[] };
  const apply = (op: string, args: number[]): number => {
    const sorted = [...args].sort((a, b) => a - b);
    const n = sorted.length;
    if (op === '[MIN') return sorted[0]!;
    if (op === '[MAX') return sorted[n - 1]!;
    if (op === '[SM') return args.reduce((a, b) => a + b, 0) % 10;
    if (op === '[MED')
      return Math.floor(n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2);
    throw new Error(`unknown operator ${op}`);
  };
  const value = (t: Tree): Value => {
    if (typeof t === 'string') return /^[0-9]$/.test(t) ? Number(t) : t;
    const l = value(t[0]);
    const r = value(t[1]);
    if (typeof l === 'string') return { op: l, args: [r as number] };
    if (r === ']') return apply((l as { op: string }).op, (l as { args: number[] }).args);
    return { op: (l as { op: string }).op, args: [...(l as { args: number[] }).args, r as number] };
  };
  const tree = parse();
  if (pos !== words.length) throw new Error('trailing words');
  const v = value(tree);
  if (typeof v !== 'number') throw new Error('not an expression');
  return v;
}

describe('ListOps evaluator used by the tests', () => {
  it('evaluates hand-computed expressions', () => {
    expect(evaluateSerialized('( ( ( [MAX 2 ) 9 ) ] )')).toBe(9);
    expect(evaluateSerialized('( ( ( ( ( [MED 1 ) 2 ) 6 ) 8 ) ] )')).toBe(4); // (2+6)/2
    expect(evaluateSerialized('( ( ( ( [MED 3 ) 4 ) 8 ) ] )')).toBe(4);
    expect(evaluateSerialized('( ( ( [MED 2 ) 5 ) ] )')).toBe(3); // 3.5 truncated
    expect(evaluateSerialized('( ( ( ( [SM 7 ) 8 ) ( ( ( [MIN 4 ) 3 ) ] ) ) ] )')).toBe(8); // (7+8+3) % 10
  });
});

describe('generateListOps with the published setting', () => {
  const counts = { train: 300, val: 40, test: 40 };
  const data = generateListOps({ counts, seed: 42 });
  const all: ListOpsExample[] = [...data.train, ...data.val, ...data.test];

  it('uses the published bounds by default and fills every split', () => {
    expect(LISTOPS_PUBLISHED).toMatchObject({
      minLength: 500,
      maxLength: 2000,
      counts: { train: 96000, val: 2000, test: 2000 },
    });
    expect([data.train.length, data.val.length, data.test.length]).toEqual([300, 40, 40]);
  });

  it('keeps only 500 < length < 2000 and has a spread of lengths', () => {
    const lengths = all.map((e) => e.ids.length).sort((a, b) => a - b);
    expect(lengths[0]).toBeGreaterThan(500);
    expect(lengths[lengths.length - 1]).toBeLessThan(2000);
    // The tree size distribution is heavy-tailed towards short trees: accepted lengths cluster at the low end
    // but still cover the window.
    const median = lengths[lengths.length >> 1]!;
    expect(median).toBeGreaterThan(650);
    expect(median).toBeLessThan(1400);
    expect(lengths.filter((l) => l > 1500).length).toBeGreaterThan(all.length * 0.05);
    expect(lengths.filter((l) => l < 700).length).toBeGreaterThan(all.length * 0.1);
  });

  it('has labels 0–9, every class present, and each label equals an independent evaluation of the string', () => {
    const classes = new Set(all.map((e) => e.label));
    expect([...classes].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of all) {
      const source = serializeListOps(e.ids);
      expect(evaluateSerialized(source)).toBe(e.label);
      // tokenizing the serialised string gives the generated symbols back, length = 2 + Σ children
      expect([...encodeListOps(source)]).toEqual([...e.ids]);
    }
  });

  it('is de-duplicated across all splits', () => {
    const strings = new Set(all.map((e) => serializeListOps(e.ids)));
    expect(strings.size).toBe(all.length);
  });

  it('is deterministic per seed', () => {
    const again = generateListOps({ counts, seed: 42 });
    expect(again.train.map((e) => serializeListOps(e.ids))).toEqual(
      data.train.map((e) => serializeListOps(e.ids)),
    );
    const other = generateListOps({ counts: { train: 20, val: 0, test: 0 }, seed: 43 });
    expect(other.train.map((e) => serializeListOps(e.ids))).not.toEqual(
      data.train.slice(0, 20).map((e) => serializeListOps(e.ids)),
    );
  });

  it('rejects impossible settings', () => {
    expect(() => generateListOps({ minLength: 10, maxLength: 11 })).toThrow(/minLength < length < maxLength/);
    expect(() => generateListOps({ maxDepth: 2, minLength: 100, maxLength: 200 })).toThrow(/no tree/);
  });
});

describe('small (quick) generation settings', () => {
  it('honours custom bounds, and short windows produce duplicates that are removed', () => {
    const data = generateListOps({
      counts: { train: 200, val: 0, test: 0 },
      minLength: 3,
      maxLength: 8,
      seed: 1,
    });
    for (const e of data.train) {
      expect(e.ids.length).toBeGreaterThan(3);
      expect(e.ids.length).toBeLessThan(8);
    }
    expect(new Set(data.train.map((e) => serializeListOps(e.ids))).size).toBe(200);
    expect(data.stats.duplicates).toBeGreaterThan(0);
  });
});

describe('serializeListOps', () => {
  it('uses the reference parenthesisation (k + 1 opening parentheses)', () => {
    // [MAX 2 9 ]: ids MAX=12, 2→3, 9→10, END=15
    expect(serializeListOps([12, 3, 10, 15])).toBe('( ( ( [MAX 2 ) 9 ) ] )');
    // [SM 1 [MIN 3 4 ] ]
    expect(serializeListOps([14, 2, 11, 4, 5, 15, 15])).toBe('( ( ( [SM 1 ) ( ( ( [MIN 3 ) 4 ) ] ) ) ] )');
    expect(serializeListOps([6])).toBe('5');
  });
});

describe('the ListOps tokenizer', () => {
  it('replaces ] by X, deletes parentheses and splits on whitespace', () => {
    expect(tokenizeListOps('( ( ( [MAX 2 ) 9 ) ] )')).toEqual(['[MAX', '2', '9', 'X']);
    expect(tokenizeListOps('  ( ( ( [MED 0 )\t( ( ( [SM 7 ) 3 ) ] ) ) ] ) ')).toEqual([
      '[MED',
      '0',
      '[SM',
      '7',
      '3',
      'X',
      'X',
    ]);
  });

  it('maps symbols to the documented ids and pads / truncates', () => {
    expect([...encodeListOps('( ( ( [MIN 0 ) 9 ) ] )')]).toEqual([11, 1, 10, 15]);
    expect([...encodeListOps('( ( [MED [MAX [SM ] )')]).toEqual([13, 12, 14, 15]);
    expect(decodeListOps([11, 1, 10, 15, 0, 0])).toEqual(['[MIN', '0', '9', 'X']);
    expect([...padListOps([11, 1, 10, 15], 6)]).toEqual([11, 1, 10, 15, 0, 0]);
    expect([...padListOps([11, 1, 10, 15], 2)]).toEqual([11, 1]);
  });

  it('rejects unknown symbols unless OOV mapping is asked for', () => {
    expect(() => encodeListOps('( [FIRST 1 ] )')).toThrow(/unknown ListOps token "\[FIRST" \(token 1\)/);
    expect([...encodeListOps('( [FIRST 1 ] )', { onUnknownToken: 'oov' })]).toEqual([LISTOPS_OOV_ID, 2, 15]);
  });
});

describe('ListOps TSV files', () => {
  it('round-trips generator → writer → loader', () => {
    const data = generateListOps({
      counts: { train: 30, val: 5, test: 6 },
      minLength: 20,
      maxLength: 120,
      seed: 3,
    });
    const dir = path.join(tmp, 'roundtrip');
    fs.mkdirSync(dir);
    writeListOpsTsv(path.join(dir, 'basic_train.tsv'), data.train);
    writeListOpsTsv(path.join(dir, 'basic_val.tsv'), data.val);
    writeListOpsTsv(path.join(dir, 'basic_test.tsv'), data.test);
    const text = fs.readFileSync(path.join(dir, 'basic_val.tsv'), 'utf8').split('\n');
    expect(text[0]).toBe('Source\tTarget');
    expect(text[1]).toBe(`${serializeListOps(data.val[0]!.ids)}\t${data.val[0]!.label}`);
    const splits = loadListOps(dir, { maxLength: 100 });
    expect([splits.train.size, splits.val.size, splits.test.size]).toEqual([30, 5, 6]);
    expect(splits.train).toMatchObject({
      task: 'listops',
      split: 'train',
      maxLength: 100,
      vocabSize: 17,
      numClasses: 10,
      dual: false,
    });
    data.test.forEach((e, i) => {
      expect([...splits.test.tokens(i)]).toEqual([...padListOps(e.ids, 100)]);
      expect(splits.test.label(i)).toBe(e.label);
    });
  });

  const write = (name: string, content: string): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
  };

  it('names the file and the 1-based line of malformed input', () => {
    const ok = '( ( ( [MAX 2 ) 9 ) ] )';
    expect(() => loadListOpsFile(write('h.tsv', `Source,Target\n${ok}\t9\n`), 'train')).toThrow(
      /h\.tsv:1: expected the header/,
    );
    expect(() => loadListOpsFile(write('c.tsv', `Source\tTarget\n${ok}\t9\n${ok}\n`), 'train')).toThrow(
      /c\.tsv:3: expected 2 tab-separated columns \(Source, Target\), got 1/,
    );
    expect(() => loadListOpsFile(write('l.tsv', `Source\tTarget\n${ok}\t10\n`), 'train')).toThrow(
      /l\.tsv:2: Target must be an integer label 0–9, got "10"/,
    );
    expect(() =>
      loadListOpsFile(write('u.tsv', `Source\tTarget\n${ok}\t9\n( [FOO 1 ] )\t1\n`), 'train'),
    ).toThrow(/u\.tsv:3: unknown ListOps token "\[FOO"/);
    expect(() => loadListOpsFile(write('e.tsv', ''), 'train')).toThrow(/e\.tsv:1: empty file/);
    expect(() => loadListOpsFile(path.join(tmp, 'missing.tsv'), 'train')).toThrow(
      /missing\.tsv: cannot open file/,
    );
    expect(() => loadListOps(path.join(tmp, 'nowhere'))).toThrow(/basic_train\.tsv: cannot open file/);
  });

  it('accepts CRLF line ends and maps unknown tokens to OOV on request', () => {
    const file = write('crlf.tsv', 'Source\tTarget\r\n( ( ( [MAX 2 ) 9 ) ] )\t9\r\n( [FOO 1 ] )\t1\r\n');
    const split = loadListOpsFile(file, 'val', { maxLength: 5, onUnknownToken: 'oov' });
    expect([...split.tokens(0)]).toEqual([12, 3, 10, 15, 0]);
    expect([...split.tokens(1)]).toEqual([LISTOPS_OOV_ID, 2, 15, 0, 0]);
  });
});
