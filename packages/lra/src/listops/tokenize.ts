/**
 * The LRA ListOps tokenizer: replace `]` by `X`, delete `(` and `)`, split on whitespace (spec "Released on-disk
 * formats"). The 15 symbols get fixed ids:
 *
 * | id | symbol |
 * |----|--------|
 * | 0 | padding |
 * | 1–10 | digits `0`–`9` (digit d → d + 1) |
 * | 11 | `[MIN` |
 * | 12 | `[MAX` |
 * | 13 | `[MED` |
 * | 14 | `[SM` |
 * | 15 | `X` (the closing `]`) |
 * | 16 | out-of-vocabulary (only with `onUnknownToken: 'oov'`) |
 *
 * so a model needs 17 embedding rows. The reference code builds the same 15-symbol vocabulary with a
 * TokenTextEncoder (pad 0, OOV last); the order of ids among the symbols is arbitrary and does not affect a model.
 */
export const LISTOPS_SYMBOLS = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '[MIN',
  '[MAX',
  '[MED',
  '[SM',
  'X',
];
export const LISTOPS_PAD_ID = 0;
export const LISTOPS_OOV_ID = 16;
export const LISTOPS_VOCAB_SIZE = 17;
export const LISTOPS_MIN_ID = 11;
export const LISTOPS_MAX_ID = 12;
export const LISTOPS_MED_ID = 13;
export const LISTOPS_SM_ID = 14;
export const LISTOPS_END_ID = 15;

const SYMBOL_TO_ID = new Map<string, number>(LISTOPS_SYMBOLS.map((s, i) => [s, i + 1]));

/** The reference tokenization of one ListOps source string into symbol strings. */
export function tokenizeListOps(source: string): string[] {
  return source
    .replace(/\]/g, 'X')
    .replace(/[()]/g, '')
    .split(/\s+/)
    .filter((t) => t.length > 0);
}

export interface EncodeListOpsOptions {
  /** 'error' (default): throw on a symbol outside the vocabulary; 'oov': map it to LISTOPS_OOV_ID. */
  onUnknownToken?: 'error' | 'oov';
}

/** Symbol ids (unpadded, untruncated) of one source string. */
export function encodeListOps(source: string, opts: EncodeListOpsOptions = {}): Uint8Array {
  return encodeListOpsSymbols(tokenizeListOps(source), opts);
}

/** Symbol ids of already tokenized symbols (see `tokenizeListOps`). */
export function encodeListOpsSymbols(
  symbols: readonly string[],
  opts: EncodeListOpsOptions = {},
): Uint8Array {
  const ids = new Uint8Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const id = SYMBOL_TO_ID.get(symbols[i]!);
    if (id === undefined) {
      if (opts.onUnknownToken === 'oov') {
        ids[i] = LISTOPS_OOV_ID;
        continue;
      }
      throw new Error(`unknown ListOps token ${JSON.stringify(symbols[i])} (token ${i + 1})`);
    }
    ids[i] = id;
  }
  return ids;
}

/** Inverse of `encodeListOps` for in-vocabulary ids (pad ids are skipped). */
export function decodeListOps(ids: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === LISTOPS_PAD_ID) continue;
    out.push(id === LISTOPS_OOV_ID ? '<oov>' : LISTOPS_SYMBOLS[id - 1]!);
  }
  return out;
}

/** Pads with 0 / truncates symbol ids to exactly `maxLength`. */
export function padListOps(ids: ArrayLike<number>, maxLength: number): Int32Array {
  const out = new Int32Array(maxLength);
  for (let i = 0; i < Math.min(ids.length, maxLength); i++) out[i] = ids[i]!;
  return out;
}
