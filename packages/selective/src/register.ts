import { parameterCounts, registerAttentionLayer, type AttentionOptions } from '@tost/attention';
import { SelectiveAttention } from './selective-attention.js';

/** Name under which `createAttention` builds a SelectiveAttention. */
export const SELECTIVE_ATTENTION_NAME = 'selective';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    selective: AttentionOptions;
  }
}

registerAttentionLayer(SELECTIVE_ATTENTION_NAME, SelectiveAttention, {
  description:
    'Selective Attention: causal softmax attention where earlier tokens fade a token for all later queries, O(N²)',
  family: 'softmax',
  paper: {
    title: 'Selective Attention Improves Transformer',
    arxiv: '2410.02703',
    citation: 'Leviathan, Kalman & Matias, ICLR 2025',
  },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});
