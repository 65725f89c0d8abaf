import { Prng } from '../prng.js';
import { LISTOPS_END_ID, LISTOPS_MAX_ID, LISTOPS_MED_ID, LISTOPS_MIN_ID, LISTOPS_SM_ID } from './tokenize.js';

/** One generated expression: its symbol ids (see tokenize.ts) and its value. */
export interface ListOpsExample {
  ids: Uint8Array;
  label: number;
}

export interface ListOpsSplits<T> {
  train: T;
  val: T;
  test: T;
}

export interface GenerateListOpsOptions {
  /** Examples per split. Published: 96k / 2k / 2k. */
  counts?: { train: number; val: number; test: number };
  /** Keep a tree only if minLength < length < maxLength. Published: 500 and 2000. */
  minLength?: number;
  maxLength?: number;
  /** Published: 10 (the root has depth 1, as in the reference generator). */
  maxDepth?: number;
  /** Published: 10 (k uniform in [2, maxArgs]). */
  maxArgs?: number;
  seed?: number;
}

/** The published LRA setting. Anything else (e.g. the `quick` settings) is NOT the benchmark's data. */
export const LISTOPS_PUBLISHED = {
  counts: { train: 96_000, val: 2_000, test: 2_000 },
  minLength: 500,
  maxLength: 2000,
  maxDepth: 10,
  maxArgs: 10,
} as const;

/** Probability threshold from the spec: r > 0.25 makes a leaf digit. */
const VALUE_P = 0.25;
const OPERATOR_IDS = [LISTOPS_MIN_ID, LISTOPS_MAX_ID, LISTOPS_MED_ID, LISTOPS_SM_ID];
const ABORT = -1;

/** Value of one operator applied to its arguments (MED: truncated median; SM: sum mod 10). */
export function applyListOpsOperator(opId: number, values: number[]): number {
  switch (opId) {
    case LISTOPS_MIN_ID:
      return Math.min(...values);
    case LISTOPS_MAX_ID:
      return Math.max(...values);
    case LISTOPS_MED_ID: {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[mid]! : Math.trunc((sorted[mid - 1]! + sorted[mid]!) / 2);
    }
    case LISTOPS_SM_ID:
      return values.reduce((a, b) => a + b, 0) % 10;
    default:
      throw new Error(`applyListOpsOperator: unknown operator id ${opId}`);
  }
}

/**
 * Draws one tree following the spec's `gen(depth)` into `buf`, returning its value, or ABORT as soon as the tree
 * reaches `limit` symbols (it would be rejected anyway; stopping early is what makes the published length
 * window affordable — accepted trees keep exactly the distribution of the unabridged algorithm because every tree
 * uses fresh draws). The order of random draws mirrors the reference: r, then k, then the children, then the
 * operator.
 */
class TreeSampler {
  len = 0;
  readonly buf: Uint8Array;

  constructor(
    private readonly rng: Prng,
    private readonly limit: number,
    private readonly maxDepth: number,
    private readonly maxArgs: number,
  ) {
    this.buf = new Uint8Array(limit);
  }

  sample(): number {
    this.len = 0;
    return this.gen(1);
  }

  private gen(depth: number): number {
    const r = depth < this.maxDepth ? this.rng.next() : 1;
    if (r > VALUE_P) {
      if (this.len >= this.limit) return ABORT;
      const digit = this.rng.int(0, 9);
      this.buf[this.len++] = digit + 1;
      return digit;
    }
    const k = this.rng.int(2, this.maxArgs);
    if (this.len >= this.limit) return ABORT;
    const opAt = this.len++;
    const values: number[] = [];
    for (let a = 0; a < k; a++) {
      const v = this.gen(depth + 1);
      if (v === ABORT) return ABORT;
      values.push(v);
    }
    if (this.len >= this.limit) return ABORT;
    this.buf[this.len++] = LISTOPS_END_ID;
    const op = OPERATOR_IDS[this.rng.int(0, 3)]!;
    this.buf[opAt] = op;
    return applyListOpsOperator(op, values);
  }
}

/** 53-bit content hash of a symbol sequence (two FNV-1a variants), for de-duplication. */
function hashIds(ids: Uint8Array, len: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < len; i++) {
    h1 = Math.imul(h1 ^ ids[i]!, 0x01000193);
    h2 = Math.imul(h2 ^ (ids[i]! + 17), 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

function sameIds(a: Uint8Array, b: Uint8Array, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface GenerateListOpsStats {
  /** Trees drawn (including the ones aborted or rejected). */
  treesDrawn: number;
  /** Accepted trees dropped as duplicates. */
  duplicates: number;
}

/**
 * Generates ListOps data following the spec's algorithm: trees are drawn until enough distinct ones with
 * minLength < length < maxLength exist; the first `counts.train` distinct trees form train, the next `counts.val`
 * val, the rest test. Deterministic for a given seed.
 */
export function generateListOps(
  opts: GenerateListOpsOptions = {},
): ListOpsSplits<ListOpsExample[]> & { stats: GenerateListOpsStats } {
  const counts = opts.counts ?? LISTOPS_PUBLISHED.counts;
  const minLength = opts.minLength ?? LISTOPS_PUBLISHED.minLength;
  const maxLength = opts.maxLength ?? LISTOPS_PUBLISHED.maxLength;
  const maxDepth = opts.maxDepth ?? LISTOPS_PUBLISHED.maxDepth;
  const maxArgs = opts.maxArgs ?? LISTOPS_PUBLISHED.maxArgs;
  for (const [name, v] of Object.entries({ ...counts, minLength, maxLength, maxDepth })) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`generateListOps: ${name} must be a non-negative integer, got ${v}`);
  }
  if (!Number.isInteger(maxArgs) || maxArgs < 2) {
    throw new Error(`generateListOps: maxArgs must be an integer ≥ 2, got ${maxArgs}`);
  }
  if (maxLength - minLength < 2) {
    throw new Error(
      `generateListOps: need minLength < length < maxLength to be possible, got ${minLength}, ${maxLength}`,
    );
  }
  // Trees of depth ≤ maxDepth cannot exceed a bounded length; refuse windows no tree can reach.
  let longest = 1;
  for (let d = maxDepth - 1; d >= 1; d--) longest = 2 + maxArgs * longest;
  if (longest <= minLength) {
    throw new Error(
      `generateListOps: no tree with maxDepth ${maxDepth}, maxArgs ${maxArgs} is longer than ${minLength}`,
    );
  }
  const total = counts.train + counts.val + counts.test;
  const sampler = new TreeSampler(new Prng(opts.seed ?? 0), maxLength - 1, maxDepth, maxArgs);
  const kept: ListOpsExample[] = [];
  const seen = new Map<number, number[]>();
  let treesDrawn = 0;
  let duplicates = 0;
  while (kept.length < total) {
    treesDrawn++;
    const value = sampler.sample();
    if (value === ABORT || sampler.len <= minLength) continue;
    const key = hashIds(sampler.buf, sampler.len);
    const bucket = seen.get(key);
    if (bucket?.some((j) => sameIds(kept[j]!.ids, sampler.buf, sampler.len))) {
      duplicates++;
      continue;
    }
    if (bucket) bucket.push(kept.length);
    else seen.set(key, [kept.length]);
    kept.push({ ids: sampler.buf.slice(0, sampler.len), label: value });
  }
  return {
    train: kept.slice(0, counts.train),
    val: kept.slice(counts.train, counts.train + counts.val),
    test: kept.slice(counts.train + counts.val),
    stats: { treesDrawn, duplicates },
  };
}

/**
 * The reference's parenthesised serialisation of a tree given as symbol ids: an operator with k arguments gets
 * k + 1 opening parentheses, `( ( ( [MAX 2 ) 9 ) ] )`.
 */
export function serializeListOps(ids: ArrayLike<number>): string {
  let pos = 0;
  const node = (): string => {
    const id = ids[pos++];
    if (id === undefined) throw new Error('serializeListOps: expression ends early');
    if (id >= 1 && id <= 10) return String(id - 1);
    if (!OPERATOR_IDS.includes(id))
      throw new Error(`serializeListOps: unexpected symbol id ${id} at ${pos - 1}`);
    const args: string[] = [];
    while (ids[pos] !== LISTOPS_END_ID) args.push(node());
    pos++; // the END symbol
    if (args.length === 0) throw new Error(`serializeListOps: operator without arguments at ${pos}`);
    const symbol = ['[MIN', '[MAX', '[MED', '[SM'][OPERATOR_IDS.indexOf(id)]!;
    return `${'( '.repeat(args.length + 1)}${symbol} ${args.join(' ) ')} ) ] )`;
  };
  const s = node();
  if (pos !== ids.length)
    throw new Error(`serializeListOps: ${ids.length - pos} symbols after the expression`);
  return s;
}
