import { parameterCounts, registerAttentionLayer } from '@tost/attention';
import { GLA_GATE_RANK } from './constants.js';
import { GatedLinearAttention, type GLAOptions } from './gla.js';

/** Name under which `createAttention` builds a GatedLinearAttention. */
export const GLA_ATTENTION_NAME = 'gla';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    gla: GLAOptions;
  }
}

registerAttentionLayer(GLA_ATTENTION_NAME, GatedLinearAttention, {
  description:
    'Gated Linear Attention: causal linear attention with data-dependent per-channel gates, chunk-wise, streaming, O(N)',
  family: 'recurrent',
  paper: {
    title: 'Gated Linear Attention Transformers with Hardware-Efficient Training',
    arxiv: '2312.06635',
    citation: 'Yang et al., ICML 2024',
  },
  options: {
    chunkSize: {
      type: 'integer',
      greaterThan: 0,
      description:
        'tokens per chunk: c×c blocks in log space inside, a carried [p, p] state across chunks (default 8 for ' +
        'heads of dimension p ≤ 32, else 16)',
    },
    gateRank: {
      type: 'integer',
      greaterThan: 0,
      default: GLA_GATE_RANK,
      description: 'rank of the low-rank gate projection dim → rank → dim',
    },
  },
  // q, k, v and output projections; gate: down [dim, r], up [r, dim] + bias [dim]; output gate [dim, dim] + bias.
  parameterCount: ({ dim, useBias = true, gateRank = GLA_GATE_RANK }) =>
    parameterCounts.projections(dim, 3, useBias) + 2 * dim * (gateRank as number) + dim + dim * dim + dim,
});
