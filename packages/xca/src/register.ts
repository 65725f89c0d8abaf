import { parameterCounts, registerAttentionLayer, type AttentionOptions } from '@tost/attention';
import { XCA } from './xca.js';

/** Name under which `createAttention` builds an XCA layer. */
export const XCA_ATTENTION_NAME = 'xca';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    xca: AttentionOptions;
  }
}

registerAttentionLayer(XCA_ATTENTION_NAME, XCA, {
  description:
    'cross-covariance (channel) attention of XCiT: a softmax p×p map between the channels of each head, O(N·p²)',
  family: 'channel',
  paper: {
    title: 'XCiT: Cross-Covariance Image Transformers',
    arxiv: '2106.09681',
    citation: 'El-Nouby et al., NeurIPS 2021',
  },
  // q, k, v and output projections, and the temperature [heads].
  parameterCount: ({ dim, heads, useBias = true }) => parameterCounts.projections(dim, 3, useBias) + heads,
  // The temperature is a scale of the attention logits, not a map: like TSSA's, it is not weight-decayed.
  noWeightDecay: ['(^|/)temperature$'],
});
