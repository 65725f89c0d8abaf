import { parameterCounts, registerAttentionLayer } from '@tost/attention';
import { CausalTSSA, type CausalTSSAOptions } from './causal-tssa.js';

/** Name under which `createAttention` builds a CausalTSSA (options must include `maxLength`). */
export const CAUSAL_TSSA_ATTENTION_NAME = 'causal-tssa';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    'causal-tssa': CausalTSSAOptions;
  }
}

registerAttentionLayer(CAUSAL_TSSA_ATTENTION_NAME, CausalTSSA, {
  description: 'causal token-statistics attention (ToST LM): running statistics, streaming, O(N)',
  family: 'token-statistics',
  paper: {
    title: 'Token Statistics Transformer: Linear-Time Attention via Variational Rate Reduction',
    arxiv: '2412.17810',
    citation: 'Wu et al., ICLR 2025',
  },
  options: {
    maxLength: {
      type: 'integer',
      greaterThan: 0,
      required: true,
      fromContext: 'maxLength',
      description: 'longest sequence: the denominator bias has one row per position',
    },
  },
  noWeightDecay: ['temperature$', 'denominator_bias$'],
  parameterCount: ({ dim, heads, useBias = false, maxLength }) =>
    parameterCounts.dense(dim, useBias) +
    heads +
    heads * (maxLength as number) +
    parameterCounts.dense(dim, true),
});
