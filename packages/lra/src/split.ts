/** The six LRA tasks. */
export type LraTaskName = 'listops' | 'text' | 'retrieval' | 'image' | 'pathfinder' | 'pathx';

/** Tasks whose splits are `LraSplit`s: the LRA tasks and the SpamAssassin e-mail classification ('spam'). */
export type SplitTaskName = LraTaskName | 'spam';

/** One split of one task: fixed-length 0-padded token rows and integer labels. */
export interface LraSplit {
  task: SplitTaskName;
  split: 'train' | 'val' | 'test';
  /** Number of examples. */
  size: number;
  /** Tokens per example after padding / truncation. */
  maxLength: number;
  /** Embedding rows a model needs (includes the pad id 0). */
  vocabSize: number;
  numClasses: number;
  /** Retrieval: two documents per example. */
  dual: boolean;
  /** Tokens of example i: a fresh Int32Array of length maxLength, 0-padded. */
  tokens(i: number): Int32Array;
  /** Second document of example i (dual splits only). */
  tokens2?(i: number): Int32Array;
  label(i: number): number;
  /**
   * Optional fast path used by `iterateBatches`: write the tokens of example i into `out[offset .. offset+maxLength)`
   * (padding included) without allocating.
   */
  fillTokens?(i: number, out: Int32Array, offset: number): void;
  fillTokens2?(i: number, out: Int32Array, offset: number): void;
}

type Storage = Uint8Array | Uint16Array;

/**
 * Compact variable-length token storage: every example's tokens back to back in one typed array plus an offsets
 * table. `shift` is added to every stored value when read, so byte-level tasks store raw bytes (1 byte per token)
 * and still hand out `byte + 1` (0 stays free for padding).
 */
export class PackedTokens {
  constructor(
    readonly data: Storage,
    readonly offsets: Float64Array,
    readonly shift: number,
  ) {}

  get count(): number {
    return this.offsets.length - 1;
  }

  /** Number of stored (unpadded, already truncated) tokens of example i. */
  lengthOf(i: number): number {
    return this.offsets[i + 1]! - this.offsets[i]!;
  }

  /** Copy example i into out[offset..offset+maxLength), truncating and 0-padding. */
  fill(i: number, maxLength: number, out: Int32Array, offset: number): void {
    const start = this.offsets[i]!;
    const n = Math.min(this.offsets[i + 1]! - start, maxLength);
    const { data, shift } = this;
    for (let j = 0; j < n; j++) out[offset + j] = data[start + j]! + shift;
    out.fill(0, offset + n, offset + maxLength);
  }
}

/** Growable builder for `PackedTokens` (amortised doubling, trimmed copy at the end). */
export class PackedTokensBuilder {
  private data: Storage;
  private used = 0;
  private offsets: number[] = [0];

  constructor(
    private readonly kind: 'u8' | 'u16',
    private readonly shift = 0,
    initialCapacity = 1 << 16,
  ) {
    this.data = kind === 'u8' ? new Uint8Array(initialCapacity) : new Uint16Array(initialCapacity);
  }

  get count(): number {
    return this.offsets.length - 1;
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.data.length) return;
    let capacity = this.data.length;
    while (capacity < this.used + extra) capacity = Math.ceil(capacity * 1.5) + 1024;
    const grown = this.kind === 'u8' ? new Uint8Array(capacity) : new Uint16Array(capacity);
    grown.set(this.data.subarray(0, this.used));
    this.data = grown;
  }

  /** Append one example given its stored values (already shifted down by `shift`). */
  push(values: ArrayLike<number>, length = values.length): void {
    this.reserve(length);
    const { data } = this;
    for (let j = 0; j < length; j++) data[this.used + j] = values[j]!;
    this.used += length;
    this.offsets.push(this.used);
  }

  /** Append raw bytes (a fast path for byte-level tasks). */
  pushBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.data.set(bytes, this.used);
    this.used += bytes.length;
    this.offsets.push(this.used);
  }

  finish(): PackedTokens {
    const data = this.data.slice(0, this.used);
    return new PackedTokens(data, Float64Array.from(this.offsets), this.shift);
  }
}

/**
 * A loader's `maxLength` option (tokens kept per example): `fallback` when undefined.
 * @throws Error naming `owner` when it is not a positive integer.
 */
export function maxLengthOption(value: number | undefined, fallback: number, owner: string): number {
  const maxLength = value ?? fallback;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new Error(`${owner}: maxLength must be a positive integer, got ${maxLength}`);
  }
  return maxLength;
}

/** Description shared by every split of a task. */
export interface SplitShape {
  task: SplitTaskName;
  maxLength: number;
  vocabSize: number;
  numClasses: number;
}

/** An `LraSplit` backed by `PackedTokens` (one, or two for dual-document tasks). */
export class PackedSplit implements LraSplit {
  readonly task: SplitTaskName;
  readonly maxLength: number;
  readonly vocabSize: number;
  readonly numClasses: number;
  readonly dual: boolean;
  readonly size: number;

  constructor(
    shape: SplitShape,
    readonly split: 'train' | 'val' | 'test',
    private readonly first: PackedTokens,
    private readonly labels: Uint8Array,
    private readonly second?: PackedTokens,
  ) {
    this.task = shape.task;
    this.maxLength = shape.maxLength;
    this.vocabSize = shape.vocabSize;
    this.numClasses = shape.numClasses;
    this.dual = second !== undefined;
    this.size = labels.length;
    if (first.count !== this.size || (second !== undefined && second.count !== this.size)) {
      throw new Error(
        `PackedSplit(${shape.task}/${split}): ${this.size} labels but ${first.count}` +
          (second ? `/${second.count}` : '') +
          ' token rows',
      );
    }
    if (!this.dual) {
      // Keep `tokens2`/`fillTokens2` absent (not merely throwing) on single-document splits.
      (this as { tokens2?: unknown }).tokens2 = undefined;
      (this as { fillTokens2?: unknown }).fillTokens2 = undefined;
    }
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(
        `${this.task}/${this.split}: example index must be an integer in [0, ${this.size}), got ${i}`,
      );
    }
  }

  tokens(i: number): Int32Array {
    const out = new Int32Array(this.maxLength);
    this.fillTokens(i, out, 0);
    return out;
  }

  fillTokens(i: number, out: Int32Array, offset: number): void {
    this.check(i);
    this.first.fill(i, this.maxLength, out, offset);
  }

  tokens2?(i: number): Int32Array {
    const out = new Int32Array(this.maxLength);
    this.fillTokens2!(i, out, 0);
    return out;
  }

  fillTokens2?(i: number, out: Int32Array, offset: number): void {
    this.check(i);
    this.second!.fill(i, this.maxLength, out, offset);
  }

  /** Unpadded length of example i (before truncation to maxLength is applied at read time). */
  storedLength(i: number): number {
    this.check(i);
    return this.first.lengthOf(i);
  }

  label(i: number): number {
    this.check(i);
    return this.labels[i]!;
  }
}
