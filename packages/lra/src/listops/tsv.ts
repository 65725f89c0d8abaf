import * as fs from 'node:fs';
import { LraDataError } from '../errors.js';
import { forEachDataLine } from '../lines.js';
import { serializeListOps, type ListOpsExample } from './generate.js';

/** Header row of the released `basic_{train,val,test}.tsv` files. */
export const LISTOPS_TSV_HEADER = 'Source\tTarget';

/** Writes examples in the released format: header `Source\tTarget`, then `<serialised tree>\t<label>` per line. */
export function writeListOpsTsv(file: string, examples: readonly ListOpsExample[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `${LISTOPS_TSV_HEADER}\n`);
    let pending: string[] = [];
    let pendingChars = 0;
    for (const e of examples) {
      const line = `${serializeListOps(e.ids)}\t${e.label}\n`;
      pending.push(line);
      pendingChars += line.length;
      if (pendingChars > 1 << 20) {
        fs.writeSync(fd, pending.join(''));
        pending = [];
        pendingChars = 0;
      }
    }
    if (pending.length > 0) fs.writeSync(fd, pending.join(''));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a released ListOps TSV, calling `onRow(source, label, lineNumber)` per data row. Rejects (naming the file
 * and 1-based line) a missing file, a wrong header, a file with no data rows, a row without exactly two
 * tab-separated columns, an empty source, a label that is not an integer 0–9, and a blank line followed by more
 * data. Blank lines at the end of the file are ignored.
 */
export function readListOpsTsv(
  file: string,
  onRow: (source: string, label: number, line: number) => void,
): void {
  let sawHeader = false;
  let rows = 0;
  forEachDataLine(file, (bytes, line) => {
    const text = bytes.toString('utf8');
    if (line === 1) {
      if (text !== LISTOPS_TSV_HEADER) {
        throw new LraDataError(
          file,
          { line },
          `expected the header "Source<TAB>Target", got ${JSON.stringify(text.slice(0, 60))}`,
        );
      }
      sawHeader = true;
      return;
    }
    const columns = text.split('\t');
    if (columns.length !== 2) {
      throw new LraDataError(
        file,
        { line },
        `expected 2 tab-separated columns (Source, Target), got ${columns.length}`,
      );
    }
    const [source, target] = columns as [string, string];
    if (source.trim().length === 0) throw new LraDataError(file, { line }, 'empty Source column');
    if (!/^[0-9]$/.test(target.trim())) {
      throw new LraDataError(
        file,
        { line },
        `Target must be an integer label 0–9, got ${JSON.stringify(target)}`,
      );
    }
    rows++;
    onRow(source, Number(target.trim()), line);
  });
  if (!sawHeader)
    throw new LraDataError(file, { line: 1 }, 'empty file: expected the header "Source<TAB>Target"');
  if (rows === 0)
    throw new LraDataError(file, undefined, 'no examples: the file has a header but no data rows');
}
