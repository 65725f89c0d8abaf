import { parameterCounts, registerAttentionLayer } from '@tost/attention';
import { TSSA, type TSSAOptions } from './tssa.js';

/** Name under which `createAttention` builds a TSSA layer. */
export const TSSA_ATTENTION_NAME = 'tssa';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    tssa: TSSAOptions;
  }
}

registerAttentionLayer(TSSA_ATTENTION_NAME, TSSA, {
  description: 'Token Statistics Self-Attention (ToST): per-head second-moment statistics, O(N)',
  family: 'token-statistics',
  paper: {
    title: 'Token Statistics Transformer: Linear-Time Attention via Variational Rate Reduction',
    arxiv: '2412.17810',
    citation: 'Wu et al., ICLR 2025',
  },
  // The per-head temperature is a scale, not a weight to shrink (the authors exclude it from decay).
  noWeightDecay: ['temperature$'],
  parameterCount: ({ dim, heads, useBias = true }) =>
    parameterCounts.dense(dim, useBias) + heads + parameterCounts.dense(dim, true),
});
