import * as fs from 'node:fs';
import * as path from 'node:path';
import { LraDataError } from './errors.js';
import { PackedSplit, PackedTokensBuilder, type SplitShape } from './split.js';

/** Bytes per CIFAR-10 binary record: 1 label byte + 3 × 1024 channel-major RGB. */
export const CIFAR_RECORD_BYTES = 3073;
const PIXELS = 1024;

/** ITU-R BT.601 luma, rounded to the nearest integer (0–255). */
export function lumaGray(r: number, g: number, b: number): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

/** Reads one CIFAR-10 binary batch into grey rows and labels (appended to the builders). */
function readCifarBatch(file: string, tokens: PackedTokensBuilder, labels: number[]): void {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new LraDataError(file, undefined, `cannot read CIFAR-10 batch (${(e as Error).message})`);
  }
  if (bytes.length === 0) throw new LraDataError(file, undefined, 'empty CIFAR-10 batch');
  const records = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new LraDataError(
      file,
      { record: records + 1 },
      `truncated record: file has ${bytes.length} bytes, not a multiple of ${CIFAR_RECORD_BYTES}`,
    );
  }
  const gray = new Uint8Array(PIXELS);
  for (let r = 0; r < records; r++) {
    const base = r * CIFAR_RECORD_BYTES;
    const label = bytes[base]!;
    if (label > 9) throw new LraDataError(file, { record: r + 1 }, `label byte must be 0–9, got ${label}`);
    for (let p = 0; p < PIXELS; p++) {
      gray[p] = lumaGray(
        bytes[base + 1 + p]!,
        bytes[base + 1 + PIXELS + p]!,
        bytes[base + 1 + 2 * PIXELS + p]!,
      );
    }
    tokens.push(gray);
    labels.push(label);
  }
}

export interface LoadImageOptions {
  /** Training records moved to validation, taken from the END of the 50k training records (default 5000). */
  valSize?: number;
}

/**
 * Loads CIFAR-10 (LRA "Image") from the binary release: `data_batch_{1..5}.bin` (train) and `test_batch.bin`. Each
 * image becomes 1024 grey tokens (row-major 32×32, value 0–255, vocab 256). Validation = the LAST `valSize` (5000)
 * training records, train = the first 45k.
 */
export function loadImage(
  dir: string,
  opts: LoadImageOptions = {},
): { train: PackedSplit; val: PackedSplit; test: PackedSplit } {
  const valSize = opts.valSize ?? 5000;
  const shape: SplitShape = { task: 'image', maxLength: PIXELS, vocabSize: 256, numClasses: 10 };
  const all = new PackedTokensBuilder('u8', 0, 50_000 * PIXELS);
  const allLabels: number[] = [];
  for (let b = 1; b <= 5; b++) readCifarBatch(path.join(dir, `data_batch_${b}.bin`), all, allLabels);
  if (!Number.isInteger(valSize) || valSize < 0 || valSize >= allLabels.length) {
    throw new Error(`loadImage: valSize must be an integer in [0, ${allLabels.length}), got ${valSize}`);
  }
  const packed = all.finish();
  const cut = allLabels.length - valSize;
  const part = (from: number, to: number, split: 'train' | 'val'): PackedSplit => {
    const builder = new PackedTokensBuilder('u8', 0, (to - from) * PIXELS);
    for (let i = from; i < to; i++)
      builder.pushBytes(packed.data.subarray(i * PIXELS, (i + 1) * PIXELS) as Uint8Array);
    return new PackedSplit(shape, split, builder.finish(), Uint8Array.from(allLabels.slice(from, to)));
  };
  const testTokens = new PackedTokensBuilder('u8', 0, 10_000 * PIXELS);
  const testLabels: number[] = [];
  readCifarBatch(path.join(dir, 'test_batch.bin'), testTokens, testLabels);
  return {
    train: part(0, cut, 'train'),
    val: part(cut, allLabels.length, 'val'),
    test: new PackedSplit(shape, 'test', testTokens.finish(), Uint8Array.from(testLabels)),
  };
}
