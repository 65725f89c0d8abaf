import * as fs from 'node:fs';
import * as path from 'node:path';
import { LraDataError } from './errors.js';
import { stripByteOrderMark } from './lines.js';
import { maxLengthOption, PackedSplit, PackedTokensBuilder, type SplitShape } from './split.js';

/** Byte-level vocabulary: byte b → token b + 1, 0 = padding. */
export const BYTE_VOCAB_SIZE = 257;

export interface LoadTextOptions {
  /** Bytes kept per review (default 4096 as in the paper; the repo config uses 1000). */
  maxLength?: number;
}

function listReviews(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (e) {
    throw new LraDataError(folder, undefined, `cannot read the IMDB folder (${(e as Error).message})`);
  }
  const reviews = names.filter((n) => n.endsWith('.txt')).sort();
  if (reviews.length === 0) throw new LraDataError(folder, undefined, 'no *.txt reviews in this folder');
  return reviews;
}

function loadImdbSplit(
  dir: string,
  part: 'train' | 'test',
  split: 'train' | 'test',
  shape: SplitShape,
): PackedSplit {
  const tokens = new PackedTokensBuilder('u8', 1);
  const labels: number[] = [];
  // neg (label 0) first, then pos (label 1); each folder in file-name order.
  for (const [folder, label] of [
    ['neg', 0],
    ['pos', 1],
  ] as const) {
    const folderPath = path.join(dir, part, folder);
    for (const name of listReviews(folderPath)) {
      const file = path.join(folderPath, name);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (e) {
        throw new LraDataError(file, undefined, `cannot read review (${(e as Error).message})`);
      }
      bytes = stripByteOrderMark(bytes, file);
      if (bytes.length === 0) throw new LraDataError(file, undefined, 'empty review');
      tokens.pushBytes(bytes.subarray(0, shape.maxLength));
      labels.push(label);
    }
  }
  return new PackedSplit(shape, split, tokens.finish(), Uint8Array.from(labels));
}

/**
 * Loads byte-level IMDB (LRA "Text") from the released layout `dir/{train,test}/{pos,neg}/*.txt`: tokens are
 * byte + 1 (0 = pad), labels pos = 1, neg = 0. A leading UTF-8 byte-order mark of a review is not text and is
 * dropped; a UTF-16 review is an error naming it. LRA has no validation split: `val` is the test split (same object).
 */
export function loadText(
  dir: string,
  opts: LoadTextOptions = {},
): { train: PackedSplit; val: PackedSplit; test: PackedSplit } {
  const maxLength = maxLengthOption(opts.maxLength, 4096, 'loadText');
  const shape: SplitShape = { task: 'text', maxLength, vocabSize: BYTE_VOCAB_SIZE, numClasses: 2 };
  const train = loadImdbSplit(dir, 'train', 'train', shape);
  const test = loadImdbSplit(dir, 'test', 'test', shape);
  return { train, val: test, test };
}
