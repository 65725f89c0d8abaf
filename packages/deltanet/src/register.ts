import { parameterCounts, registerAttentionLayer, type AttentionOptionSpec } from '@tost/attention';
import type { DeltaRuleAttentionOptions } from './delta-rule-attention.js';
import { DeltaNet } from './deltanet.js';
import { GatedDeltaNet } from './gated-deltanet.js';

/** Name under which `createAttention` builds a DeltaNet layer. */
export const DELTANET_ATTENTION_NAME = 'deltanet';
/** Name under which `createAttention` builds a Gated DeltaNet layer. */
export const GATED_DELTANET_ATTENTION_NAME = 'gated-deltanet';

declare module '@tost/attention' {
  interface AttentionOptionsByName {
    deltanet: DeltaRuleAttentionOptions;
    'gated-deltanet': DeltaRuleAttentionOptions;
  }
}

const options: Record<string, AttentionOptionSpec> = {
  chunkSize: {
    type: 'integer',
    min: 1,
    description:
      'tokens per chunk of the training form, a power of two: c×c products inside, a carried [p, p] state across ' +
      '(default: the head dimension rounded up to a power of two, 8 to 64)',
  },
};

/** Projections, β (kernel [dim, heads] + bias [heads]) and the norm gain [p]. */
const deltaNetParameters = (dim: number, heads: number, useBias: boolean): number =>
  parameterCounts.projections(dim, 3, useBias) + dim * heads + heads + dim / heads;

registerAttentionLayer(DELTANET_ATTENTION_NAME, DeltaNet, {
  description:
    'DeltaNet: causal linear attention with the delta-rule update, chunk-wise (WY/UT), streaming, O(N)',
  family: 'recurrent',
  paper: {
    title: 'Parallelizing Linear Transformers with the Delta Rule over Sequence Length',
    arxiv: '2406.06484',
    citation: 'Yang et al., NeurIPS 2024',
  },
  options,
  parameterCount: ({ dim, heads, useBias = true }) => deltaNetParameters(dim, heads, useBias),
  // The RMS norm's gain is a scale, not a map: like LayerNorm gains it is not weight-decayed.
  noWeightDecay: ['(^|/)norm_gain$'],
});

registerAttentionLayer(GATED_DELTANET_ATTENTION_NAME, GatedDeltaNet, {
  description:
    'Gated DeltaNet: the delta rule with a data-dependent decay and an output gate, chunk-wise, streaming, O(N)',
  family: 'recurrent',
  paper: {
    title: 'Gated Delta Networks: Improving Mamba2 with Delta Rule',
    arxiv: '2412.06464',
    citation: 'Yang, Kautz, Hatamizadeh, ICLR 2025',
  },
  options,
  // + decay kernel [dim, heads], A_log [heads], dt bias [heads], output gate [dim, dim] (+ bias [dim]).
  parameterCount: ({ dim, heads, useBias = true }) =>
    deltaNetParameters(dim, heads, useBias) + dim * heads + 2 * heads + parameterCounts.dense(dim, useBias),
  // As the authors: the decay's A_log and dt bias are not weight-decayed, nor is the norm gain.
  noWeightDecay: ['(^|/)norm_gain$', '(^|/)decay_log_rate$', '(^|/)decay_dt_bias$'],
});
