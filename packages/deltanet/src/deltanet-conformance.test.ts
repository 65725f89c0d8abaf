import { createAttention } from '@tost/attention';
import {
  describeAttentionConformance,
  describeGoldenCases,
  describeRegisteredConformance,
} from '@tost/attention/testing';
import { golden } from './golden.js';
import './index.js';

const descriptor = (arxiv: string) => ({
  complexity: 'linear',
  family: 'recurrent',
  paper: { arxiv },
  options: { chunkSize: { type: 'integer', min: 1 } },
});
describeRegisteredConformance('deltanet', {
  causal: true,
  streaming: true,
  golden,
  descriptor: descriptor('2406.06484'),
  noWeightDecay: ['norm_gain'],
});
describeRegisteredConformance('gated-deltanet', {
  causal: true,
  streaming: true,
  golden,
  descriptor: descriptor('2412.06464'),
  noWeightDecay: ['decay_log_rate', 'decay_dt_bias', 'norm_gain'],
});
// Chunks of 2 over the kit's 6 and 13 tokens: several chunks, a carried state and a partial last chunk.
describeAttentionConformance(
  'gated-deltanet (chunkSize 2)',
  (o) => createAttention('gated-deltanet', { ...o, chunkSize: 2 }),
  { causal: true, streaming: true, golden: golden['gated-deltanet'] },
);
// The golden cases also with chunks of 4: the padded tokens inside a sequence fall in different chunks.
for (const name of ['deltanet', 'gated-deltanet'] as const) {
  describeGoldenCases(
    `${name} (chunkSize 4)`,
    (o) => createAttention(name, { ...o, chunkSize: 4 }),
    golden[name],
  );
}
