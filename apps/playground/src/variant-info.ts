import { createAttention, type AttentionComplexity } from '@tost/attention';

export interface VariantInfo {
  complexity: AttentionComplexity;
  /** Causal attentions train in a language model (next-token loss), the others in a classifier. */
  causal: boolean;
}

/** What a registered attention variant is, read from an unbuilt instance (no weights are made). */
export function variantInfo(name: string): VariantInfo {
  const layer = createAttention(name, {
    dim: 8,
    heads: 2,
    ...(name === 'causal-tssa' ? { maxLength: 8 } : {}),
  });
  return { complexity: layer.complexity, causal: layer.causal };
}
