import { parameterCounts, registerAttentionLayer, type AttentionLayerDescriptor } from '@tost/attention';
import { SigmoidAttention, type SigmoidAttentionOptions } from './sigmoid-attention.js';

/** Names under which this package's variants can be created with `createAttention`. */
export const SIGMOID_ATTENTION_NAMES = ['sigmoid', 'sigmoid-causal'] as const;

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    sigmoid: Omit<SigmoidAttentionOptions, 'causal'> & { causal?: false };
    'sigmoid-causal': Omit<SigmoidAttentionOptions, 'causal'> & { causal?: true };
  }
}

const sigmoid = (causal: boolean): AttentionLayerDescriptor => ({
  description: causal
    ? 'causal sigmoid attention (b = −ln n, no normalisation over keys), O(N²); decodes by re-running the prefix'
    : 'sigmoid attention (b = −ln n, no normalisation over keys), O(N²)',
  causal,
  family: 'sigmoid',
  paper: {
    title: 'Theory, Analysis, and Best Practices for Sigmoid Self-Attention',
    arxiv: '2409.04431',
    citation: 'Ramapuram et al., ICLR 2025',
  },
  options: {
    bias: {
      type: 'number',
      description:
        'constant score bias b for every sample (default: b = −ln n, n = real tokens of the sample)',
    },
  },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});

registerAttentionLayer('sigmoid', SigmoidAttention, sigmoid(false));
registerAttentionLayer('sigmoid-causal', SigmoidAttention, sigmoid(true));
