import {
  parameterCounts,
  registerAttentionLayer,
  type AttentionLayerDescriptor,
  type AttentionOptions,
} from '@tost/attention';
import { SoftmaxAttention, type SoftmaxAttentionOptions } from './softmax-attention.js';
import { MSSA } from './mssa.js';

/** Names under which this package's variants can be created with `createAttention`. */
export const SOFTMAX_ATTENTION_NAMES = ['softmax', 'softmax-causal', 'mssa'] as const;

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    softmax: Omit<SoftmaxAttentionOptions, 'causal'> & { causal?: false };
    'softmax-causal': Omit<SoftmaxAttentionOptions, 'causal'> & { causal?: true };
    mssa: AttentionOptions;
  }
}

const vaswani = {
  title: 'Attention Is All You Need',
  arxiv: '1706.03762',
  citation: 'Vaswani et al., NeurIPS 2017',
};

const softmax = (causal: boolean): AttentionLayerDescriptor => ({
  description: causal
    ? 'causal softmax attention (GPT-style baseline), O(N²); decodes by re-running the prefix'
    : 'softmax dot-product attention (the Transformer baseline), O(N²)',
  causal,
  family: 'softmax',
  paper: vaswani,
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});

registerAttentionLayer('softmax', SoftmaxAttention, softmax(false));
registerAttentionLayer('softmax-causal', SoftmaxAttention, softmax(true));
registerAttentionLayer('mssa', MSSA, {
  description: "CRATE's multi-head subspace self-attention: one shared bias-free projection, O(N²)",
  family: 'white-box',
  paper: {
    title: 'White-Box Transformers via Sparse Rate Reduction',
    arxiv: '2306.01129',
    citation: 'Yu et al., NeurIPS 2023',
  },
  parameterCount: ({ dim, heads }) => dim * dim + (heads > 1 ? parameterCounts.dense(dim, true) : 0),
});
