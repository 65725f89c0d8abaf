import { getAttentionDescriptor, listAttentionNames } from '../variants.js';

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

/** The descriptor of a registered variant, reduced to the table's columns (unknown names throw, listing the known). */
export function describeVariant(name: string): VariantDescriptor {
  const d = getAttentionDescriptor(name);
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

/** Every registered variant's name, sorted. */
export function registeredVariants(): string[] {
  return listAttentionNames();
}
