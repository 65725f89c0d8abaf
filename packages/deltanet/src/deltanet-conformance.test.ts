import { describeAttentionConformance } from '@tost/attention/testing';
import { DeltaNet, GatedDeltaNet } from './index.js';

describeAttentionConformance('deltanet', (o) => new DeltaNet(o), { causal: true, streaming: true });
describeAttentionConformance('gated-deltanet', (o) => new GatedDeltaNet(o), {
  causal: true,
  streaming: true,
});
// Chunks of 2 over the kit's 6 and 13 tokens: several chunks, a carried state and a partial last chunk.
describeAttentionConformance(
  'gated-deltanet (chunkSize 2)',
  (o) => new GatedDeltaNet({ ...o, chunkSize: 2 }),
  {
    causal: true,
    streaming: true,
  },
);
