import { parameterCounts, registerAttentionLayer, type AttentionOptions } from '@tost/attention';
import { CausalFlowAttention } from './causal-flow-attention.js';
import { FlowAttention } from './flow-attention.js';

/** Names under which this package's variants can be created with `createAttention`. */
export const FLOWFORMER_ATTENTION_NAMES = ['flowformer', 'flowformer-causal'] as const;

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    flowformer: AttentionOptions;
    'flowformer-causal': AttentionOptions;
  }
}

const paper = {
  title: 'Flowformer: Linearizing Transformers with Conservation Flows',
  arxiv: '2202.06258',
  citation: 'Wu et al., ICML 2022',
};

const parameterCount = ({ dim, useBias = true }: AttentionOptions): number =>
  parameterCounts.projections(dim, 3, useBias);

registerAttentionLayer('flowformer', FlowAttention, {
  description:
    'Flow-Attention (Flowformer): flow conservation, competition and allocation instead of softmax, O(N)',
  family: 'flow',
  paper,
  parameterCount,
});

registerAttentionLayer('flowformer-causal', CausalFlowAttention, {
  description:
    'causal Flow-Attention (Flowformer): prefix-sum flows, running competition, chunked, streaming, O(N)',
  family: 'flow',
  paper,
  parameterCount,
});
