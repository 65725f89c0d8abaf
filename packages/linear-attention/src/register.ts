import { parameterCounts, registerAttention, type AttentionDescriptor } from '@tost/attention';
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

const linear = (causal: boolean): AttentionDescriptor => ({
  factory: (options) => new LinearAttention({ ...options, causal }),
  description: causal
    ? 'causal linear attention, φ = elu + 1 (Transformers are RNNs): chunked, streaming, O(N)'
    : 'kernelized linear attention, φ = elu + 1: φ(Q)·(φ(K)ᵀ·V), O(N)',
  causal,
  complexity: 'linear',
  family: 'linear',
  paper: {
    title: 'Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention',
    arxiv: '2006.16236',
    citation: 'Katharopoulos et al., ICML 2020',
  },
  fixedOptions: { causal },
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
  streaming: causal,
});

const normLinear = (causal: boolean): AttentionDescriptor => ({
  factory: (options) => new NormLinearAttention({ ...options, causal }),
  description: causal
    ? 'causal NormAttention (TransNormer): linear attention + RMS norm, chunked, streaming, O(N)'
    : "TransNormer's NormAttention: linear attention without denominator + RMS norm, O(N)",
  causal,
  complexity: 'linear',
  family: 'linear',
  paper: {
    title: 'The Devil in Linear Transformer',
    arxiv: '2210.10340',
    citation: 'Qin et al., EMNLP 2022',
  },
  fixedOptions: { causal },
  noWeightDecay: ['norm_gain$'],
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias) + dim,
  streaming: causal,
});

registerAttention('linear', linear(false));
registerAttention('linear-causal', linear(true));
registerAttention('norm-linear', normLinear(false));
registerAttention('norm-linear-causal', normLinear(true));
