import { parameterCounts, registerAttention, type AttentionOptions } from '@tost/attention';
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

registerAttention('flowformer', {
  factory: (options) => new FlowAttention(options),
  description:
    'Flow-Attention (Flowformer): flow conservation, competition and allocation instead of softmax, O(N)',
  causal: false,
  complexity: 'linear',
  family: 'flow',
  paper,
  parameterCount,
  streaming: false,
});

registerAttention('flowformer-causal', {
  factory: (options) => new CausalFlowAttention(options),
  description:
    'causal Flow-Attention (Flowformer): prefix-sum flows, running competition, chunked, streaming, O(N)',
  causal: true,
  complexity: 'linear',
  family: 'flow',
  paper,
  parameterCount,
  streaming: true,
});
