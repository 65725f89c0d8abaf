import * as fs from 'node:fs';
import * as path from 'node:path';
import { LraDataError } from '../errors.js';
import { forEachLine } from '../lines.js';
import { PackedSplit, PackedTokensBuilder, type LraSplit, type SplitShape } from '../split.js';
import { PATHFINDER_DIFFICULTY_LENGTH, pathfinderFolder, type PathfinderDifficulty } from './config.js';
import { decodeGrayPng } from './png.js';

export interface LoadPathfinderOptions {
  /** 32 (default), 64, 128 (Path-X) or 256. */
  resolution?: 32 | 64 | 128 | 256;
  /** easy / medium / hard = curv_baseline / curv_contour_length_9 / curv_contour_length_14 (default hard). */
  difficulty?: PathfinderDifficulty;
  /**
   * Decode PNGs on every access instead of once at load (default: true from 128 px up, where 200k images would need
   * 3.2 GB as bytes). Lazy mode checks at load time only that every image file exists.
   */
  lazy?: boolean;
}

/** One image listed by a metadata file. */
export interface PathfinderEntry {
  image: string;
  label: number;
  metadataFile: string;
  line: number;
}

/** The one image the LRA code skips: it is empty in the release. */
const KNOWN_EMPTY = { resolution: 32, folder: 'curv_baseline', subpath: 'imgs/0', file: 'sample_172.png' };

/** Reads every `metadata/<batch>.npy` (text, despite the name) of a difficulty folder, batches in numeric order. */
export function readPathfinderMetadata(dir: string, resolution: number, folder: string): PathfinderEntry[] {
  const metadataDir = path.join(dir, 'metadata');
  let names: string[];
  try {
    names = fs.readdirSync(metadataDir).filter((n) => n.endsWith('.npy'));
  } catch (e) {
    throw new LraDataError(
      metadataDir,
      undefined,
      `cannot read the Pathfinder metadata folder (${(e as Error).message})`,
    );
  }
  if (names.length === 0) throw new LraDataError(metadataDir, undefined, 'no metadata/*.npy files');
  const batchNumber = (n: string): number => {
    const v = Number(n.slice(0, -4));
    return Number.isFinite(v) ? v : Number.MAX_SAFE_INTEGER;
  };
  names.sort((a, b) => batchNumber(a) - batchNumber(b) || a.localeCompare(b));
  const entries: PathfinderEntry[] = [];
  for (const name of names) {
    const metadataFile = path.join(metadataDir, name);
    forEachLine(metadataFile, (bytes, line) => {
      const text = bytes.toString('utf8').trim();
      if (text.length === 0) return;
      const fields = text.split(/\s+/);
      if (fields.length < 4) {
        throw new LraDataError(
          metadataFile,
          { line },
          `expected at least 4 space-separated fields (subpath file index label), got ${fields.length}`,
        );
      }
      const [subpath, file, , labelText] = fields as [string, string, string, string];
      if (labelText !== '0' && labelText !== '1') {
        throw new LraDataError(
          metadataFile,
          { line },
          `label (field 4) must be 0 or 1, got ${JSON.stringify(labelText)}`,
        );
      }
      if (
        resolution === KNOWN_EMPTY.resolution &&
        folder === KNOWN_EMPTY.folder &&
        subpath === KNOWN_EMPTY.subpath &&
        file === KNOWN_EMPTY.file
      ) {
        return;
      }
      entries.push({ image: path.join(dir, subpath, file), label: Number(labelText), metadataFile, line });
    });
  }
  return entries;
}

function decodeEntry(entry: PathfinderEntry, resolution: number): Uint8Array {
  const where = `${entry.image} (listed at ${entry.metadataFile}:${entry.line})`;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(entry.image);
  } catch (e) {
    throw new LraDataError(where, undefined, `missing or unreadable image (${(e as Error).message})`);
  }
  let decoded: ReturnType<typeof decodeGrayPng>;
  try {
    decoded = decodeGrayPng(bytes);
  } catch (e) {
    throw new LraDataError(where, undefined, `truncated or corrupt PNG (${(e as Error).message})`);
  }
  if (decoded.width !== resolution || decoded.height !== resolution) {
    throw new LraDataError(
      where,
      undefined,
      `expected a ${resolution}×${resolution} image, got ${decoded.width}×${decoded.height}`,
    );
  }
  return decoded.pixels;
}

/** A split that decodes its PNG on every access (for Path-X sized data). */
class LazyPngSplit implements LraSplit {
  readonly dual = false;
  readonly size: number;
  constructor(
    private readonly shape: SplitShape,
    readonly split: 'train' | 'val' | 'test',
    private readonly entries: PathfinderEntry[],
    private readonly resolution: number,
  ) {
    this.size = entries.length;
  }
  get task() {
    return this.shape.task;
  }
  get maxLength() {
    return this.shape.maxLength;
  }
  get vocabSize() {
    return this.shape.vocabSize;
  }
  get numClasses() {
    return this.shape.numClasses;
  }
  private entry(i: number): PathfinderEntry {
    const e = this.entries[i];
    if (!Number.isInteger(i) || e === undefined) {
      throw new RangeError(
        `${this.task}/${this.split}: example index must be an integer in [0, ${this.size}), got ${i}`,
      );
    }
    return e;
  }
  tokens(i: number): Int32Array {
    return Int32Array.from(decodeEntry(this.entry(i), this.resolution));
  }
  fillTokens(i: number, out: Int32Array, offset: number): void {
    out.set(decodeEntry(this.entry(i), this.resolution), offset);
  }
  label(i: number): number {
    return this.entry(i).label;
  }
}

/**
 * Loads Pathfinder / Path-X from the released layout `<root>/pathfinder<res>/<difficulty folder>/`: metadata lines
 * give image paths and labels (field 4); grey values 0–255 are the tokens (vocab 256, length res²). All images found
 * are split in metadata order into the first 80 % (train), next 10 % (val) and last 10 % (test) — 160k / 20k / 20k
 * on the full release. Task name: 'pathx' for 128 px and above, else 'pathfinder'.
 */
export function loadPathfinder(
  root: string,
  opts: LoadPathfinderOptions = {},
): { train: LraSplit; val: LraSplit; test: LraSplit } {
  const resolution = opts.resolution ?? 32;
  if (![32, 64, 128, 256].includes(resolution)) {
    throw new Error(`loadPathfinder: resolution must be 32, 64, 128 or 256, got ${resolution}`);
  }
  const difficulty = opts.difficulty ?? 'hard';
  const contourLength = PATHFINDER_DIFFICULTY_LENGTH[difficulty];
  if (contourLength === undefined) {
    throw new Error(`loadPathfinder: difficulty must be easy, medium or hard, got ${String(difficulty)}`);
  }
  const folder = pathfinderFolder(contourLength);
  const dir = path.join(root, `pathfinder${resolution}`, folder);
  const entries = readPathfinderMetadata(dir, resolution, folder);
  const lazy = opts.lazy ?? resolution >= 128;
  const shape: SplitShape = {
    task: resolution >= 128 ? 'pathx' : 'pathfinder',
    maxLength: resolution * resolution,
    vocabSize: 256,
    numClasses: 2,
  };
  const nTrain = Math.floor(entries.length * 0.8);
  const nVal = Math.floor(entries.length * 0.1);
  if (nVal === 0 || entries.length - nTrain - nVal === 0) {
    throw new LraDataError(
      path.join(dir, 'metadata'),
      undefined,
      `only ${entries.length} image(s) listed: the 80/10/10 split would leave ${nVal === 0 ? 'val' : 'test'} empty ` +
        '(at least 10 are needed)',
    );
  }
  const make = (part: PathfinderEntry[], split: 'train' | 'val' | 'test'): LraSplit => {
    if (lazy) {
      for (const e of part) {
        if (!fs.existsSync(e.image)) {
          throw new LraDataError(e.image, undefined, `missing image (listed at ${e.metadataFile}:${e.line})`);
        }
      }
      return new LazyPngSplit(shape, split, part, resolution);
    }
    const tokens = new PackedTokensBuilder('u8', 0, part.length * resolution * resolution);
    for (const e of part) tokens.push(decodeEntry(e, resolution));
    return new PackedSplit(shape, split, tokens.finish(), Uint8Array.from(part.map((e) => e.label)));
  };
  return {
    train: make(entries.slice(0, nTrain), 'train'),
    val: make(entries.slice(nTrain, nTrain + nVal), 'val'),
    test: make(entries.slice(nTrain + nVal), 'test'),
  };
}
