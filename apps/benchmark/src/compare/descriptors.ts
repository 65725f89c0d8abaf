import * as attention from '@tost/attention';
import { createAttention, listAttentions } from '../variants.js';

/** What the comparison table says about a variant (the shape of @tost/attention's attention descriptors). */
export interface VariantDescriptor {
  name: string;
  /** e.g. 'token statistics', 'softmax', 'linear', 'sparse'; '—' when the variant does not say. */
  family: string;
  paper?: { title: string; arxiv?: string };
  causal: boolean;
  /** Has constant-cost decoding (`initState` / `step`). */
  streaming: boolean;
  /** 'linear' | 'quadratic' (as the layer reports it). */
  complexity: string;
  description?: string;
}

type RegistryApi = {
  getAttentionDescriptor?: (name: string) => Partial<VariantDescriptor> & { name: string };
};

/**
 * Papers and families of the variants this repository ships, for registries that do not describe their variants yet.
 * Once `@tost/attention` exports `getAttentionDescriptor`, its answer wins.
 */
const KNOWN: Record<string, Pick<VariantDescriptor, 'family' | 'paper'>> = {
  tssa: {
    family: 'token statistics',
    paper: { title: 'Token Statistics Transformer (Wu et al., ICLR 2025)', arxiv: '2412.17810' },
  },
  'causal-tssa': {
    family: 'token statistics',
    paper: { title: 'Token Statistics Transformer (Wu et al., ICLR 2025)', arxiv: '2412.17810' },
  },
  softmax: {
    family: 'softmax',
    paper: { title: 'Attention Is All You Need (Vaswani et al., 2017)', arxiv: '1706.03762' },
  },
  'softmax-causal': {
    family: 'softmax',
    paper: { title: 'Attention Is All You Need (Vaswani et al., 2017)', arxiv: '1706.03762' },
  },
  mssa: {
    family: 'subspace (CRATE)',
    paper: {
      title: 'White-Box Transformers via Sparse Rate Reduction (Yu et al., 2023)',
      arxiv: '2306.01129',
    },
  },
};

/** Builds a tiny instance to read what every layer reports about itself: causal, complexity, streaming. */
function probeLayer(name: string): Pick<VariantDescriptor, 'causal' | 'streaming' | 'complexity'> {
  let layer;
  try {
    layer = createAttention(name, { dim: 8, heads: 2 });
  } catch {
    // Some variants need a maximum length (causal TSSA's learned per-position parameters).
    layer = createAttention(name, { dim: 8, heads: 2, maxLength: 8 } as Parameters<
      typeof createAttention
    >[1]);
  }
  // Never built: it holds no weights to free.
  const streaming = typeof (layer as unknown as { step?: unknown }).step === 'function';
  return { causal: layer.causal, streaming, complexity: String(layer.complexity) };
}

/**
 * The descriptor of a registered variant: from `@tost/attention`'s `getAttentionDescriptor` when that exists, otherwise
 * assembled from the layer itself (causal, complexity, streaming) and the table of this repository's variants.
 */
export function describeVariant(name: string): VariantDescriptor {
  const api = attention as unknown as RegistryApi;
  const probed = probeLayer(name);
  const fromRegistry = api.getAttentionDescriptor?.(name);
  const known = KNOWN[name];
  return {
    name,
    family: fromRegistry?.family ?? known?.family ?? '—',
    ...((fromRegistry?.paper ?? known?.paper) ? { paper: fromRegistry?.paper ?? known?.paper } : {}),
    causal: fromRegistry?.causal ?? probed.causal,
    streaming: fromRegistry?.streaming ?? probed.streaming,
    complexity: fromRegistry?.complexity ?? probed.complexity,
    ...(fromRegistry?.description ? { description: fromRegistry.description } : {}),
  };
}

/** Every registered variant's name, sorted (whether the registry lists names or descriptors). */
export function registeredVariants(): string[] {
  const listed = listAttentions() as unknown as (string | { name: string })[];
  return listed.map((entry) => (typeof entry === 'string' ? entry : entry.name)).sort();
}
