import { parameterCounts, registerAttentionLayer, type AttentionLayerDescriptor } from '@tost/attention';
import { LinearAttention, type LinearAttentionOptions } from './linear-attention.js';
import { NormLinearAttention, type NormLinearAttentionOptions } from './norm-linear-attention.js';

/** Names under which this package's variants can be created with `createAttention`. */
export const LINEAR_ATTENTION_NAMES = [
  'linear',
  'linear-causal',
  'norm-linear',
  'norm-linear-causal',
] as const;

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    linear: Omit<LinearAttentionOptions, 'causal'> & { causal?: false };
    'linear-causal': Omit<LinearAttentionOptions, 'causal'> & { causal?: true };
    'norm-linear': Omit<NormLinearAttentionOptions, 'causal'> & { causal?: false };
    'norm-linear-causal': Omit<NormLinearAttentionOptions, 'causal'> & { causal?: true };
  }
}

const linear = (causal: boolean): AttentionLayerDescriptor => ({
  description: causal
    ? 'causal linear attention, φ = elu + 1 (Transformers are RNNs): chunked, streaming, O(N)'
    : 'kernelized linear attention, φ = elu + 1: φ(Q)·(φ(K)ᵀ·V), O(N)',
  causal,
  family: 'linear',
  paper: {
    title: 'Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention',
    arxiv: '2006.16236',
    citation: 'Katharopoulos et al., ICML 2020',
  },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});

const normLinear = (causal: boolean): AttentionLayerDescriptor => ({
  description: causal
    ? 'causal NormAttention (TransNormer): linear attention + RMS norm, chunked, streaming, O(N)'
    : "TransNormer's NormAttention: linear attention without denominator + RMS norm, O(N)",
  causal,
  family: 'linear',
  paper: {
    title: 'The Devil in Linear Transformer',
    arxiv: '2210.10340',
    citation: 'Qin et al., EMNLP 2022',
  },
  noWeightDecay: ['norm_gain$'],
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias) + dim,
});

registerAttentionLayer('linear', LinearAttention, linear(false));
registerAttentionLayer('linear-causal', LinearAttention, linear(true));
registerAttentionLayer('norm-linear', NormLinearAttention, normLinear(false));
registerAttentionLayer('norm-linear-causal', NormLinearAttention, normLinear(true));
