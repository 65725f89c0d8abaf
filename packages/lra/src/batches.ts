import { seededPermutation } from './prng.js';
import type { LraSplit } from './split.js';

/** One mini-batch: row-major [size × maxLength] tokens, labels, and which examples they are. */
export interface LraBatch {
  tokens: Int32Array;
  /** Second documents (dual splits only). */
  tokens2?: Int32Array;
  labels: Int32Array;
  /** Rows in this batch (the last batch may be smaller unless dropRemainder). */
  size: number;
  /** Example indices in the split, in row order. */
  indices: number[];
}

export interface IterateBatchesOptions {
  batchSize: number;
  /**
   * Shuffle with `seededPermutation(size, shuffleSeed)` (sfc32, see prng.ts). Omit for the split's own order.
   * Use a different seed per epoch (e.g. `seed * 1000 + epoch`) for a fresh order every epoch.
   */
  shuffleSeed?: number;
  /** Drop the last, incomplete batch (default false). */
  dropRemainder?: boolean;
  /**
   * Skip the first `startBatch` batches of this epoch's order (default 0): a resumed run with the same seed sees
   * exactly the batches it had not yet seen.
   */
  startBatch?: number;
}

/** Number of batches one epoch yields with these options. */
export function countBatches(size: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
}

/** Yields the batches of one epoch over `split`, deterministically for a given `shuffleSeed`. */
export function* iterateBatches(split: LraSplit, opts: IterateBatchesOptions): Generator<LraBatch> {
  const { batchSize, shuffleSeed, dropRemainder = false, startBatch = 0 } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`iterateBatches: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(startBatch) || startBatch < 0) {
    throw new Error(`iterateBatches: startBatch must be a non-negative integer, got ${startBatch}`);
  }
  if (split.dual && !split.tokens2) {
    throw new Error(`iterateBatches: split ${split.task}/${split.split} is dual but has no tokens2()`);
  }
  const order = shuffleSeed === undefined ? null : seededPermutation(split.size, shuffleSeed);
  const total = countBatches(split.size, batchSize, dropRemainder);
  const L = split.maxLength;
  for (let b = startBatch; b < total; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, split.size - start);
    const tokens = new Int32Array(size * L);
    const tokens2 = split.dual ? new Int32Array(size * L) : undefined;
    const labels = new Int32Array(size);
    const indices: number[] = [];
    for (let r = 0; r < size; r++) {
      const i = order ? order[start + r]! : start + r;
      indices.push(i);
      if (split.fillTokens) split.fillTokens(i, tokens, r * L);
      else tokens.set(split.tokens(i), r * L);
      if (tokens2) {
        if (split.fillTokens2) split.fillTokens2(i, tokens2, r * L);
        else tokens2.set(split.tokens2!(i), r * L);
      }
      labels[r] = split.label(i);
    }
    yield tokens2 ? { tokens, tokens2, labels, size, indices } : { tokens, labels, size, indices };
  }
}

/** Accuracy of always predicting the most frequent label of the split (the chance baseline to beat). */
export function majorityClassAccuracy(split: LraSplit): number {
  if (split.size === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < split.size; i++) {
    const y = split.label(i);
    counts.set(y, (counts.get(y) ?? 0) + 1);
  }
  return Math.max(...counts.values()) / split.size;
}
