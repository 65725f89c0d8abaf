import * as path from 'node:path';
import { LraDataError } from '../errors.js';
import { PackedSplit, PackedTokensBuilder, type SplitShape } from '../split.js';
import { encodeListOps, LISTOPS_VOCAB_SIZE, type EncodeListOpsOptions } from './tokenize.js';
import { readListOpsTsv } from './tsv.js';
import type { ListOpsSplits } from './generate.js';

export interface LoadListOpsOptions extends EncodeListOpsOptions {
  /** Tokens per example after padding / truncation (default 2000, the published setting). */
  maxLength?: number;
}

/** Parses one released ListOps TSV into a split. */
export function loadListOpsFile(
  file: string,
  split: 'train' | 'val' | 'test',
  opts: LoadListOpsOptions = {},
): PackedSplit {
  const maxLength = opts.maxLength ?? 2000;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new Error(`loadListOps: maxLength must be a positive integer, got ${maxLength}`);
  }
  const tokens = new PackedTokensBuilder('u8');
  const labels: number[] = [];
  readListOpsTsv(file, (source, label, line) => {
    let ids: Uint8Array;
    try {
      ids = encodeListOps(source, opts);
    } catch (e) {
      throw new LraDataError(file, { line }, (e as Error).message);
    }
    tokens.push(ids, Math.min(ids.length, maxLength));
    labels.push(label);
  });
  const shape: SplitShape = { task: 'listops', maxLength, vocabSize: LISTOPS_VOCAB_SIZE, numClasses: 10 };
  return new PackedSplit(shape, split, tokens.finish(), Uint8Array.from(labels));
}

/** Loads `basic_{train,val,test}.tsv` from `dir`. */
export function loadListOps(dir: string, opts: LoadListOpsOptions = {}): ListOpsSplits<PackedSplit> {
  return {
    train: loadListOpsFile(path.join(dir, 'basic_train.tsv'), 'train', opts),
    val: loadListOpsFile(path.join(dir, 'basic_val.tsv'), 'val', opts),
    test: loadListOpsFile(path.join(dir, 'basic_test.tsv'), 'test', opts),
  };
}
