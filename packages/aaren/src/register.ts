import { parameterCounts, registerAttentionLayer, type AttentionOptions } from '@tost/attention';
import { Aaren } from './aaren.js';

/** Name under which `createAttention` builds an Aaren layer. */
export const AAREN_ATTENTION_NAME = 'aaren';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    aaren: AttentionOptions;
  }
}

registerAttentionLayer(AAREN_ATTENTION_NAME, Aaren, {
  description:
    'Aaren (attention as an RNN): causal softmax of a learned query per head, O(N·p), O(p)-state streaming',
  family: 'recurrent',
  paper: {
    title: 'Attention as an RNN',
    arxiv: '2405.13956',
    citation: 'Feng et al., 2024',
  },
  // key and value projections + output projection, and the learned query [heads, p] = dim values.
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 2, useBias) + dim,
  // The learned query is a token, not a map: like a class token it is not weight-decayed.
  noWeightDecay: ['(^|/)query$'],
});
