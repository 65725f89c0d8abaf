import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadListOps, loadListOpsFile } from './listops/load.js';
import { listOpsStructureProblem } from './listops/structure.js';
import { tokenizeListOps } from './listops/tokenize.js';
import { loadRetrievalFile } from './retrieval.js';
import { writeTinyPathfinder } from './test-helpers.js';
import { loadLra } from './load-lra.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lra-data-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

const OK = '( ( ( [MAX 2 ) 9 ) ] )';
const RETRIEVAL_ROW = '1.0\tP1\tP2\tabc\tde';

describe('empty splits are errors naming the file', () => {
  it('ListOps: a header-only file, or a header and blank lines', () => {
    expect(() => loadListOpsFile(write('header-only.tsv', 'Source\tTarget\n'), 'val')).toThrow(
      /header-only\.tsv: no examples: the file has a header but no data rows/,
    );
    expect(() => loadListOpsFile(write('header-blank.tsv', 'Source\tTarget\n\n\n'), 'val')).toThrow(
      /header-blank\.tsv: no examples/,
    );
    // through the directory loader, the message names basic_val.tsv
    const dir = path.join(tmp, 'listops-empty-val');
    write('listops-empty-val/basic_train.tsv', `Source\tTarget\n${OK}\t9\n`);
    write('listops-empty-val/basic_val.tsv', 'Source\tTarget\n');
    write('listops-empty-val/basic_test.tsv', `Source\tTarget\n${OK}\t9\n`);
    expect(() => loadListOps(dir)).toThrow(/basic_val\.tsv: no examples/);
  });

  it('Retrieval: a file of blank lines', () => {
    expect(() => loadRetrievalFile(write('blank.tsv', '\n\n'), 'val')).toThrow(/blank\.tsv: no examples/);
  });

  it('Pathfinder: so few images that val or test would be empty', () => {
    const dir = path.join(tmp, 'pf-tiny');
    writeTinyPathfinder(dir, 1, 5);
    expect(() => loadLra('pathfinder', dir)).toThrow(
      /metadata: only 5 image\(s\) listed: .* leave val empty/,
    );
  });
});

describe('blank lines: tolerated at the end, an error inside the data', () => {
  it('ListOps: one or more trailing blank lines (LF or CRLF, spaces) load', () => {
    for (const [name, tail] of [
      ['t1.tsv', '\n'],
      ['t2.tsv', '\n\n\n'],
      ['t3.tsv', '\r\n  \r\n'],
      ['t4.tsv', '\n\t\n'],
    ] as const) {
      const split = loadListOpsFile(write(name, `Source\tTarget\n${OK}\t9\n${OK}\t9${tail}`), 'train');
      expect(split.size).toBe(2);
    }
  });

  it('ListOps: a blank line followed by data names the blank line', () => {
    expect(() =>
      loadListOpsFile(write('mid.tsv', `Source\tTarget\n${OK}\t9\n\n${OK}\t9\n`), 'train'),
    ).toThrow(/mid\.tsv:3: blank line inside the data \(line 4 has data after it\)/);
  });

  it('Retrieval: trailing blank lines load, a blank line inside is an error', () => {
    expect(loadRetrievalFile(write('r-trail.tsv', `${RETRIEVAL_ROW}\n\n`), 'train').size).toBe(1);
    expect(loadRetrievalFile(write('r-trail2.tsv', `${RETRIEVAL_ROW}\r\n\r\n\r\n`), 'train').size).toBe(1);
    expect(() =>
      loadRetrievalFile(write('r-mid.tsv', `${RETRIEVAL_ROW}\n\n${RETRIEVAL_ROW}\n`), 'train'),
    ).toThrow(/r-mid\.tsv:2: blank line inside the data/);
  });
});

describe('ListOps expressions must be well-formed', () => {
  const bad: [string, string, RegExp][] = [
    ['an unclosed bracket', '( ( [MAX 2 ) 9 )', /1 '\[' never closed \(the last opened at token 1\)/],
    ['an extra closing bracket', `${OK} ]`, /']' at token 5 closes no '\['/],
    ['a closing bracket first', '] 3', /']' at token 1 closes no '\['/],
    ['two expressions', '3 4', /more than one expression: a second one starts at token 2/],
    ['an operator without arguments', '( [MIN ] )', /operator at token 1 has no arguments/],
    ['nested unbalanced', '( [SM ( [MIN 1 ) 2 ] )', /1 '\[' never closed/],
  ];
  for (const [what, source, message] of bad) {
    it(`rejects ${what}, naming the file and line`, () => {
      const file = write(`bad-${what.replace(/\W+/g, '-')}.tsv`, `Source\tTarget\n${OK}\t9\n${source}\t1\n`);
      expect(() => loadListOpsFile(file, 'train')).toThrow(
        new RegExp(`bad-[\\w-]+\\.tsv:3: malformed ListOps expression: .*${message.source}`),
      );
    });
  }

  it('accepts a bare digit, nested operators and unknown operators (reported by the encoder, or OOV)', () => {
    expect(listOpsStructureProblem(tokenizeListOps('7'))).toBeUndefined();
    expect(listOpsStructureProblem(tokenizeListOps('( ( [SM ( [MIN 1 2 ) ] ) 3 ] )'))).toBeUndefined();
    expect(listOpsStructureProblem(tokenizeListOps('( [FOO 1 ] )'))).toBeUndefined();
    expect(listOpsStructureProblem([])).toBe('no expression');
  });
});
