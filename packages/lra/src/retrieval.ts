import { LraDataError } from './errors.js';
import { forEachDataLine, splitBytes } from './lines.js';
import { maxLengthOption, PackedSplit, PackedTokensBuilder, type SplitShape } from './split.js';
import { loadSplitFiles, type SplitName } from './split-files.js';
import { BYTE_VOCAB_SIZE } from './text.js';

export interface LoadRetrievalOptions {
  /** Bytes kept per document (default 4000). */
  maxLength?: number;
}

/**
 * Parses one `new_aan_pairs.<part>.tsv`: no header, exactly 5 tab-separated columns `label id1 id2 text1 text2`,
 * label a float 0.0 / 1.0, no quote handling. Both texts become byte-level tokens (byte + 1, 0 = pad). Blank lines
 * at the end are ignored; a blank line inside the data and a file without examples are errors naming the file.
 */
export function loadRetrievalFile(
  file: string,
  split: SplitName,
  opts: LoadRetrievalOptions = {},
): PackedSplit {
  const maxLength = maxLengthOption(opts.maxLength, 4000, 'loadRetrieval');
  const first = new PackedTokensBuilder('u8', 1);
  const second = new PackedTokensBuilder('u8', 1);
  const labels: number[] = [];
  forEachDataLine(file, (bytes, line) => {
    const columns = splitBytes(bytes, 0x09);
    if (columns.length !== 5) {
      throw new LraDataError(
        file,
        { line },
        `expected 5 tab-separated columns (label id1 id2 text1 text2), got ${columns.length}`,
      );
    }
    const labelText = columns[0]!.toString('utf8').trim();
    const value = labelText === '' ? NaN : Number(labelText);
    if (value !== 0 && value !== 1) {
      throw new LraDataError(
        file,
        { line },
        `label must be 0.0 or 1.0, got ${JSON.stringify(labelText.slice(0, 20))}`,
      );
    }
    first.pushBytes(columns[3]!.subarray(0, maxLength));
    second.pushBytes(columns[4]!.subarray(0, maxLength));
    labels.push(value);
  });
  if (labels.length === 0) throw new LraDataError(file, undefined, 'no examples in file');
  const shape: SplitShape = { task: 'retrieval', maxLength, vocabSize: BYTE_VOCAB_SIZE, numClasses: 2 };
  return new PackedSplit(shape, split, first.finish(), Uint8Array.from(labels), second.finish());
}

/** Loads `new_aan_pairs.{train,eval,test}.tsv` from `dir` (eval becomes `val`). */
export function loadRetrieval(dir: string, opts: LoadRetrievalOptions = {}): Record<SplitName, PackedSplit> {
  return loadSplitFiles(
    dir,
    { train: 'new_aan_pairs.train.tsv', val: 'new_aan_pairs.eval.tsv', test: 'new_aan_pairs.test.tsv' },
    (file, split) => loadRetrievalFile(file, split, opts),
  );
}
