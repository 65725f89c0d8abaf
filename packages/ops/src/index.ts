// @tost/ops: attention operators shared by ToST.js variants, named by form like flash-linear-attention
// (`naive` = quadratic reference, `chunk` = chunked causal, `recurrent` = one token at a time). Depends only on
// @tensorflow/tfjs-core: no layer, registry or variant here.
export { finiteOrZero } from './finite.js';
export { padSequence, sliceSequence } from './linear/sequence-axis.js';
export { maskedSoftmax, maskedSoftmaxForward } from './softmax/masked-softmax.js';
export { nonCausalLinearAttention } from './linear/non-causal.js';
export { unstackChunks, stackChunks, sweepStep } from './linear/chunk-sweep.js';
export { chunkLinearAttention, type ChunkLinearAttentionOptions } from './linear/chunk.js';
export { recurrentLinearAttentionStep } from './linear/recurrent.js';
export { naiveLinearAttention, type NaiveLinearAttentionOptions } from './linear/naive.js';
export {
  DEFAULT_GROUP_ELEMENTS,
  checkGroupBound,
  headGroups,
  flattenHeads,
  groupSlices,
  groupPart,
  joinGroups,
  swapLastAxes,
  type HeadGroup,
} from './heads/head-groups.js';
export { groupedAttention, type AttentionWeightsForm, type GroupContext } from './heads/grouped-attention.js';
