import { parameterCounts, registerAttentionLayer, type AttentionLayerDescriptor } from '@tost/attention';
import { PerformerAttention, type PerformerOptions } from './performer-attention.js';

/** Names under which `createAttention` builds a PerformerAttention. */
export const PERFORMER_NAMES = ['performer', 'performer-causal'] as const;

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    performer: Omit<PerformerOptions, 'causal'> & { causal?: false };
    'performer-causal': Omit<PerformerOptions, 'causal'> & { causal?: true };
  }
}

const performer = (causal: boolean): AttentionLayerDescriptor => ({
  description: causal
    ? 'causal Performer (FAVOR+ positive orthogonal random features): chunked, streaming, O(N)'
    : 'Performer: softmax kernel by FAVOR+ positive orthogonal random features, O(N)',
  causal,
  family: 'kernel',
  paper: {
    title: 'Rethinking Attention with Performers',
    arxiv: '2009.14794',
    citation: 'Choromanski et al., ICLR 2021',
  },
  options: {
    features: {
      type: 'integer',
      greaterThan: 0,
      description: 'number of random features m (default 4·dim/heads)',
    },
    seed: {
      type: 'integer',
      min: 0,
      description: 'seed of the orthogonal draw of the random features (default: random)',
    },
  },
  // random_features is not trainable: not counted, and never decayed.
  parameterCount: ({ dim, useBias = true }) => parameterCounts.projections(dim, 3, useBias),
});

registerAttentionLayer('performer', PerformerAttention, performer(false));
registerAttentionLayer('performer-causal', PerformerAttention, performer(true));
