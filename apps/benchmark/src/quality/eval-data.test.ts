import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertEvalDataFitsRuns, readEvalData } from './eval-data.js';

const dir = mkdtempSync(join(tmpdir(), 'eval-data-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('--eval-data: JSON lines {ids, labels}', () => {
  it('reads rows of equal length, −100 = unlabelled', () => {
    const path = file(
      'ok.jsonl',
      '{"ids":[1,130,1],"labels":[-100,-100,130]}\n\n{"ids":[2,200,2],"labels":[-100,-100,200]}\n',
    );
    const data = readEvalData(path, 256);
    expect([data.count, data.length]).toEqual([2, 3]);
    expect(Array.from(data.labels)).toEqual([-100, -100, 130, -100, -100, 200]);
    // The file's identity comes with it (no second read): its name and a hash of its content, the same for the same
    // examples under another name, different for other examples.
    expect(data.file).toBe(path);
    const again = readEvalData(file('copy.jsonl', readFileSync(path, 'utf8')), 256);
    expect(again.hash).toBe(data.hash);
    expect(data.hash).toMatch(/^[0-9a-f]{16}$/);
    const other = readEvalData(file('other.jsonl', '{"ids":[1,130,1],"labels":[-100,-100,130]}\n'), 256);
    expect(other.hash).not.toBe(data.hash);
  });

  it('reads the committed held-out files of the independent Python generator (tools/fixtures/make_mqar_eval.py)', () => {
    const fixtures = join(import.meta.dirname, '..', '..', '..', '..', 'tools', 'fixtures', 'mqar');
    const n8 = readEvalData(join(fixtures, 'n8.jsonl'), 256);
    expect([n8.count, n8.length]).toEqual([256, 24]);
    expect(Array.from(n8.labels.subarray(0, 16)).every((l) => l === -100)).toBe(true);
    const n32 = readEvalData(join(fixtures, 'n32.jsonl'), 256);
    expect([n32.count, n32.length]).toEqual([64, 96]);
  });

  it('names the file, the line and the problem', () => {
    const cases: [string, RegExp][] = [
      ['{"ids":[1,2]', /bad1.jsonl:1: not JSON/],
      ['{"ids":[1,2],"labels":[3]}', /:1: 2 ids but 1 labels/],
      [
        '{"ids":[1,2],"labels":[-100,3]}\n{"ids":[1],"labels":[3]}',
        /:2: 1 tokens, but the first example has 2/,
      ],
      ['{"ids":[1,300],"labels":[-100,3]}', /:1: id 300 is outside \[0, 256\)/],
      ['{"ids":[1,2],"labels":[-1,3]}', /:1: label -1 is neither -100/],
      ['{"ids":[1,2],"labels":[-100,-100]}', /no labelled position/],
      ['', /no examples/],
      ['{"ids":"1 2","labels":[1,2]}', /expected \{"ids": \[integers\], "labels": \[integers\]\}/],
    ];
    cases.forEach(([text, message], i) =>
      expect(() => readEvalData(file(`bad${i + 1}.jsonl`, text), 256)).toThrow(message),
    );
    expect(() => readEvalData(join(dir, 'missing.jsonl'), 256)).toThrow(
      /--eval-data: cannot read .*missing.jsonl \(ENOENT\)/,
    );
  });
});

describe('--eval-data against the MQAR runs (the CLI and runQuality share this check)', () => {
  const six = () =>
    readEvalData(
      file('six.jsonl', '{"ids":[1,130,1,2,131,2],"labels":[-100,-100,-100,-100,-100,131]}\n'),
      256,
    );
  it('accepts examples of 3·N tokens when a run has N pairs', () => {
    expect(() => assertEvalDataFitsRuns(six(), [8, 2])).not.toThrow();
  });
  it('names the file, both lengths and the --pairs to add; "none" without MQAR runs', () => {
    const held = six();
    expect(() => assertEvalDataFitsRuns(held, [8, 8, 32])).toThrow(
      new RegExp(
        `^--eval-data ${held.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: examples of 6 tokens, .* the MQAR runs have N = 8, 32: add --pairs 2$`,
      ),
    );
    expect(() => assertEvalDataFitsRuns(held, [])).toThrow(/the MQAR runs have none: add --pairs 2$/);
  });
});
