import type { RegisteredAttention } from '@tost/attention';
import { parseVariant, variantComplexity } from '../variant-names.js';
import { getAttentionDescriptor } from '../variants.js';

/** What the comparison table says about a variant (from its @tost/attention descriptor). */
export interface VariantDescriptor {
  name: string;
  /** e.g. 'token-statistics', 'softmax', 'linear', 'local'. */
  family: string;
  paper?: { title: string; arxiv?: string; citation?: string };
  causal: boolean;
  /** Has constant-cost decoding (`initState` / `step`). */
  streaming: boolean;
  /** 'linear' | 'quadratic'. */
  complexity: string;
  description?: string;
}

/**
 * The descriptor of a variant, reduced to the table's columns (unknown names throw, listing the known). A hybrid a+b
 * (see `parseVariant`): family `hybrid (A + B)`, no paper, causal or streaming only when both parts are,
 * quadratic when either part is.
 */
export function describeVariant(name: string): VariantDescriptor {
  const parts = parseVariant(name).map(getAttentionDescriptor);
  if (parts.length === 1) {
    const d = parts[0]!;
    return {
      name: d.name,
      family: d.family,
      paper: { ...d.paper },
      causal: d.causal,
      streaming: d.streaming,
      complexity: d.complexity,
      description: d.description,
    };
  }
  const [a, b] = parts as [RegisteredAttention, RegisteredAttention];
  return {
    name,
    family: `hybrid (${a.family} + ${b.family})`,
    causal: a.causal && b.causal,
    streaming: a.streaming && b.streaming,
    complexity: variantComplexity(name),
    description: `${a.name} blocks, the last one ${b.name}`,
  };
}
