import type { AttentionStackSpec } from '@tost/models';
import { parseVariant } from '../variant-names.js';
import { getAttentionDescriptor, listAttentions } from '../variants.js';

/**
 * The causal attention of the same family (descriptor `family`) for a non-causal one — causal TSSA for TSSA,
 * softmax-causal for softmax — for tasks that need a causal model; a causal one stays. When the family has several
 * causal members (softmax: softmax-causal and selective; linear: linear-causal, norm-linear-causal, lightning), the
 * registry's naming convention for a layer's causal form, `NAME-causal` or `causal-NAME`, picks one. Throws when
 * there is none, or several and none named so.
 */
export function causalCounterpart(name: string): string {
  const d = getAttentionDescriptor(name);
  if (d.causal) return name;
  const same = listAttentions().filter((o) => o.causal && o.family === d.family);
  if (same.length === 1) return same[0]!.name;
  const named = same.filter((o) => o.name === `${name}-causal` || o.name === `causal-${name}`);
  if (named.length === 1) return named[0]!.name;
  throw new Error(
    `char-lm needs a causal attention; '${name}' is not causal and its family '${d.family}' has ` +
      `${same.length === 0 ? 'no causal variant' : `several (${same.map((o) => o.name).join(', ')}), none named '${name}-causal'`}`,
  );
}

/** The builders' `attention` option of a variant for `depth` blocks (hybrids: the last block differs). */
export function variantAttention(name: string, depth: number, causal: boolean): AttentionStackSpec {
  const parts = parseVariant(name).map((p) => (causal ? causalCounterpart(p) : p));
  if (parts.length === 1) return parts[0]!;
  return { default: parts[0]!, layers: { [depth - 1]: parts[1]! } };
}

/** A variant's name as run for a causal task (`tssa+softmax` → `causal-tssa+softmax-causal`). */
export function causalVariantName(name: string): string {
  return parseVariant(name).map(causalCounterpart).join('+');
}
