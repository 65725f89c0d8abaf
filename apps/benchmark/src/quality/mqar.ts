import { seededRandom } from '@tost/models';
import { IGNORE_LABEL } from '@tost/models';

/**
 * Multi-query associative recall (Zoology, Arora et al., arXiv 2312.04927, §3), in the bidirectional-safe form: the
 * N key–value pairs `k1 v1 … kN vN`, then the N keys again in a random order; the label at each query position is
 * the value paired with that key, every other position is unlabelled (−100). No value follows its query, so causal
 * and non-causal attentions share the task. Vocabulary 256: 0 padding (unused), keys 1–127, values 128–255.
 */
export const MQAR_VOCAB = 256;
export const MQAR_KEYS = 127;
export const MQAR_FIRST_VALUE = 128;
export const MQAR_VALUES = 128;
/** Test and validation sets come from seeds of their own, whatever the training seed. */
export const MQAR_TEST_SEED = 918_273;
export const MQAR_VAL_SEED = 546_372;

export interface MqarExamples {
  /** [count × 3N] token ids. */
  ids: Int32Array;
  /** [count × 3N] the value at query positions, −100 elsewhere. */
  labels: Int32Array;
  count: number;
  length: number;
}

/** Sequence length of an example with N pairs. */
export const mqarLength = (pairs: number) => 3 * pairs;

/** The pair counts `tost-bench quality` runs without `--pairs`. */
export const DEFAULT_MQAR_PAIRS: readonly number[] = [8, 32, 64];

/** Checks N: 1 ≤ N ≤ 127 (the keys are distinct). */
export function checkPairs(pairs: number): number {
  if (!Number.isInteger(pairs) || pairs < 1 || pairs > MQAR_KEYS)
    throw new RangeError(`--pairs must be an integer from 1 to ${MQAR_KEYS} (distinct keys), got ${pairs}`);
  return pairs;
}

/** Writes one example into ids/labels at row `row`. */
function fillExample(
  pairs: number,
  random: () => number,
  ids: Int32Array,
  labels: Int32Array,
  row: number,
): void {
  const length = mqarLength(pairs);
  const base = row * length;
  // N distinct keys: a partial Fisher–Yates shuffle of 1 … 127.
  const pool = Array.from({ length: MQAR_KEYS }, (_, i) => i + 1);
  for (let i = 0; i < pairs; i++) {
    const j = i + Math.floor(random() * (MQAR_KEYS - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const values = Array.from({ length: pairs }, () => MQAR_FIRST_VALUE + Math.floor(random() * MQAR_VALUES));
  for (let i = 0; i < pairs; i++) {
    ids[base + 2 * i] = pool[i]!;
    ids[base + 2 * i + 1] = values[i]!;
    labels[base + 2 * i] = IGNORE_LABEL;
    labels[base + 2 * i + 1] = IGNORE_LABEL;
  }
  // The queries: a random permutation of the pair indices.
  const order = Array.from({ length: pairs }, (_, i) => i);
  for (let i = pairs - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let q = 0; q < pairs; q++) {
    ids[base + 2 * pairs + q] = pool[order[q]!]!;
    labels[base + 2 * pairs + q] = values[order[q]!]!;
  }
}

/** `count` examples from one seeded stream (the fixed test and validation sets). */
export function mqarExamples(pairs: number, count: number, seed: number): MqarExamples {
  checkPairs(pairs);
  const length = mqarLength(pairs);
  const ids = new Int32Array(count * length);
  const labels = new Int32Array(count * length);
  const random = seededRandom(seed);
  for (let r = 0; r < count; r++) fillExample(pairs, random, ids, labels, r);
  return { ids, labels, count, length };
}

/** Training batch number `step` (0-based) of a run seeded `seed`: fresh examples, reproducible, resumable. */
export function mqarTrainingBatch(
  pairs: number,
  batchSize: number,
  seed: number,
  step: number,
): MqarExamples {
  return mqarExamples(
    pairs,
    batchSize,
    (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0,
  );
}
