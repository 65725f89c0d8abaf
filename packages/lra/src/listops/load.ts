import { LraDataError } from '../errors.js';
import { maxLengthOption, PackedSplit, PackedTokensBuilder, type SplitShape } from '../split.js';
import { loadSplitFiles, type SplitName } from '../split-files.js';
import {
  encodeListOpsSymbols,
  LISTOPS_VOCAB_SIZE,
  tokenizeListOps,
  type EncodeListOpsOptions,
} from './tokenize.js';
import { listOpsStructureProblem } from './structure.js';
import { readListOpsTsv } from './tsv.js';
import type { ListOpsSplits } from './generate.js';

export interface LoadListOpsOptions extends EncodeListOpsOptions {
  /** Tokens per example after padding / truncation (default 2000, the published setting). */
  maxLength?: number;
}

/**
 * Parses one released ListOps TSV into a split. Every source must be one well-formed expression (balanced brackets,
 * operators with arguments: see `listOpsStructureProblem`); errors name the file and line.
 */
export function loadListOpsFile(file: string, split: SplitName, opts: LoadListOpsOptions = {}): PackedSplit {
  const maxLength = maxLengthOption(opts.maxLength, 2000, 'loadListOps');
  const tokens = new PackedTokensBuilder('u8');
  const labels: number[] = [];
  readListOpsTsv(file, (source, label, line) => {
    const symbols = tokenizeListOps(source);
    const problem = listOpsStructureProblem(symbols);
    if (problem !== undefined)
      throw new LraDataError(file, { line }, `malformed ListOps expression: ${problem}`);
    let ids: Uint8Array;
    try {
      ids = encodeListOpsSymbols(symbols, opts);
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
  return loadSplitFiles(
    dir,
    { train: 'basic_train.tsv', val: 'basic_val.tsv', test: 'basic_test.tsv' },
    (file, split) => loadListOpsFile(file, split, opts),
  );
}
