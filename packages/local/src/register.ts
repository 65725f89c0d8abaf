import { parameterCounts, registerAttentionLayer, type AttentionLayerDescriptor } from '@tost/attention';
import {
  DEFAULT_DILATION,
  DEFAULT_WINDOW,
  LocalAttention,
  type LocalAttentionOptions,
} from './local-attention.js';

/** Names under which this package's variants can be created with `createAttention`. */
export const LOCAL_ATTENTION_NAMES = ['local', 'local-causal'] as const;

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    local: Omit<LocalAttentionOptions, 'causal'> & { causal?: false };
    'local-causal': Omit<LocalAttentionOptions, 'causal'> & { causal?: true };
  }
}

const local = (causal: boolean): AttentionLayerDescriptor => ({
  description: causal
    ? 'causal sliding-window softmax attention with dilation (the last w·d tokens), O(N·w), streaming'
    : 'sliding-window softmax attention with dilation (w·d tokens each side), O(N·w)',
  causal,
  family: 'local',
  paper: {
    title: 'Longformer: The Long-Document Transformer',
    arxiv: '2004.05150',
    citation: 'Beltagy et al., 2020 (dilation as in DiNAT, Hassani & Shi, arXiv 2209.15001)',
  },
  options: {
    window: {
      type: 'integer',
      greaterThan: 0,
      default: DEFAULT_WINDOW,
      description: 'keys on each side of a query, in steps of dilation tokens',
    },
    dilation: {
      type: 'integer',
      greaterThan: 0,
      default: DEFAULT_DILATION,
      description: 'attend to every d-th token: (i − j) mod d = 0',
    },
  },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});

registerAttentionLayer('local', LocalAttention, local(false));
registerAttentionLayer('local-causal', LocalAttention, local(true));
