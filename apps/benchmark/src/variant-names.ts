import { getAttentionDescriptor, listAttentionNames } from './variants.js';

/**
 * What an attention name on the command line means, for every command: a registered attention (`tssa`), or a
 * hybrid `a+b` — a stack whose blocks are all `a` except the last, which is `b` (flash-linear-attention's
 * `attn.layers`, x-transformers' layer patterns); with two blocks, one `a` block then one `b` block.
 */

/**
 * Blocks of the hybrid model a speed row measures: the two-block hybrid `quality` and `quick` train (one `a` block,
 * then one `b` block).
 */
export const HYBRID_SPEED_BLOCKS = 2;

/**
 * What a speed row of a hybrid is, for the help of the commands that time attention layers (compare, scaling, smoke).
 */
export const HYBRID_SPEED_ROW =
  'A hybrid a+b (every block a except the last, b) is timed as the attention of the two-block hybrid model: one a ' +
  'layer, then one b layer, applied in sequence (forward, and backward through both); its time, peak tensor memory ' +
  "and FLOPs are those of that step divided by 2: the mean over its blocks' layers, comparable with a single " +
  "attention's row.";

/**
 * The registered attentions of a variant: [name] for a registered attention, [a, b] for a hybrid `a+b`.
 * @param flag the command-line option the name came from, named in errors (default `--attention`).
 * @throws Error naming `flag`, what was expected and what was given: an empty part, more than two parts, or a part
 *   that is not registered (listing the registered names).
 */
export function parseVariant(name: string, flag = '--attention'): string[] {
  const parts = name.split('+').map((p) => p.trim());
  if (parts.length > 2 || parts.some((p) => p === ''))
    throw new Error(
      `${flag}: expected a registered attention or a hybrid a+b (two registered names: every block a except the ` +
        `last, b), got '${name}'`,
    );
  const known = listAttentionNames();
  for (const p of parts)
    if (!known.includes(p))
      throw new Error(
        `${flag}: unknown attention '${p}'${parts.length > 1 ? ` in '${name}'` : ''}; registered: ${known.join(', ')}`,
      );
  return parts;
}

/** Whether `name` is a hybrid `a+b` (not checked against the registry: see `parseVariant`). */
export function isHybrid(name: string): boolean {
  return name.includes('+');
}

/**
 * A comma-separated list of variants (`tssa,softmax,tssa+softmax`), each checked by `parseVariant`.
 * @throws Error naming `flag` when the list is empty or a name is not a variant.
 */
export function parseVariantList(value: string, flag = '--attention'): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new Error(
      `${flag}: expected a comma-separated list of registered attentions or hybrids a+b, got '${value}'; ` +
        `registered: ${listAttentionNames().join(', ')}`,
    );
  for (const name of names) parseVariant(name, flag);
  return names;
}

/** The registered attention of each of the `depth` blocks of a variant (a hybrid a+b: a, …, a, b). */
export function blockAttentions(name: string, depth: number): string[] {
  const parts = parseVariant(name);
  return Array.from({ length: depth }, (_, i) => (i === depth - 1 ? parts.at(-1)! : parts[0]!));
}

/** 'quadratic' when any block's attention is quadratic in the sequence length, else 'linear'. */
export function variantComplexity(name: string): string {
  const complexities = parseVariant(name).map((p) => getAttentionDescriptor(p).complexity);
  return complexities.includes('quadratic') ? 'quadratic' : complexities[0]!;
}
