import { readFileSync } from 'node:fs';
import { IGNORE_LABEL } from '@tost/models';
import { mqarLength, type MqarExamples } from './mqar.js';
import { evalDataHash } from './cells.js';

/** Held-out examples read from a file, with the file's name and the hash of its content (its identity in a cell). */
export interface EvalDataFile extends MqarExamples {
  file: string;
  hash: string;
}

/**
 * Reads held-out token-level examples: JSON lines `{"ids": [int…], "labels": [int…]}`, label −100 where a position
 * is unlabelled; every line of the same length, ids in [0, vocab), labels −100 or in [0, vocab). Throws one message
 * naming the file, the line and what is wrong. The file is read once: the result carries its content hash.
 */
export function readEvalData(file: string, vocab: number): EvalDataFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `--eval-data: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const rows: { ids: number[]; labels: number[] }[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `--eval-data ${file}:${index + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new Error(`${where}: not JSON (expected {"ids": [...], "labels": [...]})`);
    }
    const { ids, labels } = (row ?? {}) as { ids?: unknown; labels?: unknown };
    const ints = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isInteger(x));
    if (!ints(ids) || !ints(labels))
      throw new Error(`${where}: expected {"ids": [integers], "labels": [integers]}`);
    const idList = ids as number[];
    const labelList = labels as number[];
    if (idList.length === 0 || idList.length !== labelList.length)
      throw new Error(
        `${where}: ${idList.length} ids but ${labelList.length} labels (expected as many, at least one)`,
      );
    if (rows.length > 0 && idList.length !== rows[0]!.ids.length)
      throw new Error(`${where}: ${idList.length} tokens, but the first example has ${rows[0]!.ids.length}`);
    const badId = idList.find((v) => v < 0 || v >= vocab);
    if (badId !== undefined) throw new Error(`${where}: id ${badId} is outside [0, ${vocab})`);
    const badLabel = labelList.find((v) => v !== IGNORE_LABEL && (v < 0 || v >= vocab));
    if (badLabel !== undefined)
      throw new Error(
        `${where}: label ${badLabel} is neither ${IGNORE_LABEL} (unlabelled) nor in [0, ${vocab})`,
      );
    rows.push({ ids: idList, labels: labelList });
  });
  if (rows.length === 0) throw new Error(`--eval-data ${file}: no examples (expected JSON lines)`);
  if (!rows.some((r) => r.labels.some((l) => l !== IGNORE_LABEL)))
    throw new Error(`--eval-data ${file}: no labelled position (every label is ${IGNORE_LABEL})`);
  const length = rows[0]!.ids.length;
  return {
    ids: Int32Array.from(rows.flatMap((r) => r.ids)),
    labels: Int32Array.from(rows.flatMap((r) => r.labels)),
    count: rows.length,
    length,
    file,
    hash: evalDataHash(text),
  };
}

/**
 * Throws unless the held-out examples have the length of one of the MQAR runs (3·N tokens for N pairs): the message
 * names the file, both lengths, and the `--pairs` to add when the file's length is one of N pairs.
 */
export function assertEvalDataFitsRuns(held: EvalDataFile, pairs: readonly number[]): void {
  if (pairs.some((n) => mqarLength(n) === held.length)) return;
  const n = held.length / 3;
  const runs = pairs.length > 0 ? `N = ${[...new Set(pairs)].join(', ')}` : 'none';
  throw new Error(
    `--eval-data ${held.file}: examples of ${held.length} tokens, but an MQAR example of N pairs has 3·N ` +
      `(2N key–value tokens, then N queries) and the MQAR runs have ${runs}` +
      (Number.isInteger(n) && n <= 127 ? `: add --pairs ${n}` : ''),
  );
}
