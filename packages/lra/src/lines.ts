import * as fs from 'node:fs';
import { LraDataError } from './errors.js';

/** Longest line read (the longest LRA records, AAN document pairs, are far shorter). */
const MAX_LINE_BYTES = 64 << 20;

/** The UTF-8 encoding of U+FEFF, which Windows editors and spreadsheets put at the start of a text file. */
export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * `bytes` without a leading UTF-8 byte-order mark. A UTF-16 byte-order mark (FF FE or FE FF) is an error naming
 * `file`: the loaders read UTF-8 (or ASCII) text only.
 */
export function stripByteOrderMark(bytes: Buffer, file: string): Buffer {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return bytes.subarray(3);
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    throw new LraDataError(
      file,
      undefined,
      'the file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8',
    );
  }
  return bytes;
}

/**
 * Calls `onLine(bytes, lineNumber)` for every line of a file, reading it in chunks with synchronous I/O so files
 * larger than the engine's maximum string (or Buffer) size still load. `bytes` excludes the newline and a trailing
 * '\r'; it is only valid during the callback. Lines are numbered from 1. A final empty line (file ending in a
 * newline) is not reported. A UTF-8 byte-order mark at the start of the file is not part of line 1; a UTF-16 one is
 * an error naming the file.
 */
export function forEachLine(file: string, onLine: (bytes: Buffer, lineNumber: number) => void): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new LraDataError(file, undefined, `cannot open file (${(e as Error).message})`);
  }
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    // The start of a line that spans chunks: its pieces, joined once the newline comes (no quadratic copying).
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let lineNumber = 0;
    const emit = (line: Buffer): void => {
      lineNumber++;
      if (lineNumber === 1) line = stripByteOrderMark(line, file);
      const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      onLine(line.subarray(0, end), lineNumber);
    };
    const keep = (piece: Buffer): void => {
      carryBytes += piece.length;
      if (carryBytes > MAX_LINE_BYTES) {
        throw new LraDataError(
          file,
          { line: lineNumber + 1 },
          `line longer than ${MAX_LINE_BYTES / (1 << 20)} MiB without a newline: not a line-per-record text file?`,
        );
      }
      carry.push(Buffer.from(piece)); // copy: `chunk` is reused
    };
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let view = chunk.subarray(0, n);
      let nl = view.indexOf(0x0a);
      if (nl < 0) {
        keep(view);
        continue;
      }
      if (carry.length > 0) {
        emit(Buffer.concat([...carry, view.subarray(0, nl)]));
        carry = [];
        carryBytes = 0;
        view = view.subarray(nl + 1);
        nl = view.indexOf(0x0a);
      }
      while (nl >= 0) {
        emit(view.subarray(0, nl));
        view = view.subarray(nl + 1);
        nl = view.indexOf(0x0a);
      }
      if (view.length > 0) keep(view);
    }
    if (carry.length > 0) emit(Buffer.concat(carry));
  } finally {
    fs.closeSync(fd);
  }
}

/** Splits a line at every occurrence of `separator` (a byte), without copying. */
export function splitBytes(line: Buffer, separator: number): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = line.indexOf(separator); i >= 0; i = line.indexOf(separator, start)) {
    parts.push(line.subarray(start, i));
    start = i + 1;
  }
  parts.push(line.subarray(start));
  return parts;
}

/**
 * Like `forEachLine`, for line-per-record data files: blank lines (empty or whitespace only) at the END of the file
 * are ignored, as the published CSV/TSV readers ignore them; a blank line followed by more data is ambiguous (a
 * lost record?) and is an error naming the file and the blank line.
 *
 * @throws LraDataError for a blank line inside the data.
 */
export function forEachDataLine(file: string, onLine: (bytes: Buffer, lineNumber: number) => void): void {
  let firstBlank: number | undefined;
  forEachLine(file, (bytes, line) => {
    if (isBlank(bytes)) {
      firstBlank ??= line;
      return;
    }
    if (firstBlank !== undefined) {
      throw new LraDataError(
        file,
        { line: firstBlank },
        `blank line inside the data (line ${line} has data after it); only blank lines at the end of the file are ignored`,
      );
    }
    onLine(bytes, line);
  });
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}
