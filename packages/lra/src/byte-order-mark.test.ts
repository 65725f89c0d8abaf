import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyPathfinder } from './test-helpers.js';
import { loadListOpsFile } from './listops/load.js';
import { forEachLine } from './lines.js';
import { loadLra } from './load-lra.js';
import { readPathfinderMetadata } from './pathfinder/load.js';
import { loadRetrievalFile } from './retrieval.js';
import { loadText } from './text.js';

/** Files saved by a Windows editor or a spreadsheet start with a UTF-8 byte-order mark (EF BB BF). */
const BOM = '\uFEFF';
const UTF16_BOM = Buffer.from([0xff, 0xfe]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lra-bom-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

const OK = '( ( ( [MAX 2 ) 9 ) ] )';

describe('a leading UTF-8 byte-order mark is ignored by every text loader', () => {
  it('ListOps TSV: the header is still "Source<TAB>Target", the rows load as without the mark', () => {
    const plain = loadListOpsFile(write('plain.tsv', `Source\tTarget\n${OK}\t9\n`), 'train');
    const marked = loadListOpsFile(write('bom.tsv', `${BOM}Source\tTarget\n${OK}\t9\n`), 'train');
    expect(marked.size).toBe(1);
    expect([...marked.tokens(0)]).toEqual([...plain.tokens(0)]);
    expect(marked.label(0)).toBe(9);
  });

  // (Retrieval and Pathfinder metadata already read such files: String.trim() drops U+FEFF from the first field.)
  it('Retrieval TSV: the label of the first row is read (the mark is not part of it)', () => {
    const split = loadRetrievalFile(
      write('r-bom.tsv', `${BOM}1.0\tP1\tP2\tabc\tde\n0.0\tP3\tP4\tx\ty\n`),
      'train',
    );
    expect(split.size).toBe(2);
    expect(split.label(0)).toBe(1);
  });

  it('Text (IMDB reviews): the mark does not become three tokens of the review', () => {
    const dir = path.join(tmp, 'imdb');
    write('imdb/train/pos/0_9.txt', `${BOM}Great`);
    write('imdb/train/neg/0_1.txt', 'Bad');
    write('imdb/test/pos/0_9.txt', `${BOM}Yes`);
    write('imdb/test/neg/0_1.txt', 'No');
    const s = loadText(dir, { maxLength: 5 });
    expect([...s.train.tokens(1)]).toEqual([72, 115, 102, 98, 117]); // "Great" = 71 114 101 97 116, + 1
    expect([...s.test.tokens(1)]).toEqual([90, 102, 116, 0, 0]); // "Yes"
  });

  it('Pathfinder metadata: the first image of a batch file is found', () => {
    const dir = path.join(tmp, 'pf');
    const folder = writeTinyPathfinder(dir, 3, 20);
    const before = readPathfinderMetadata(folder, 32, 'curv_contour_length_14');
    const metadata = path.join(folder, 'metadata', fs.readdirSync(path.join(folder, 'metadata'))[0]!);
    fs.writeFileSync(metadata, Buffer.concat([Buffer.from(BOM), fs.readFileSync(metadata)]));
    expect(readPathfinderMetadata(folder, 32, 'curv_contour_length_14')).toEqual(before);
    expect(loadLra('pathfinder', dir).train.size).toBe(16);
  });

  it('the line reader under ListOps, Retrieval and Pathfinder: line 1 comes without the mark', () => {
    const lines: string[] = [];
    forEachLine(write('lines.txt', `${BOM}a\tb\r\n${BOM}c\n`), (bytes) => lines.push(bytes.toString('utf8')));
    // Only the mark at the very start of the file is a byte-order mark; a later U+FEFF is data.
    expect(lines).toEqual(['a\tb', `${BOM}c`]);
  });

  it('a UTF-16 file is an error naming it and saying what to do', () => {
    const file = write('utf16.tsv', Buffer.concat([UTF16_BOM, Buffer.from('S\0o\0u\0r\0c\0e\0', 'binary')]));
    expect(() => loadListOpsFile(file, 'train')).toThrow(
      /utf16\.tsv: the file is UTF-16 text .*save it as UTF-8/,
    );
  });
});
