// Browser-safe entry of @tost/lra: generators, tokenizers, packed splits and batching (no Node built-ins).
// File loaders and writers, PNG and the data-set generator that writes files are in '@tost/lra/node'.
export type { LraTaskName, LraSplit, SplitShape, SplitTaskName } from './split.js';
export { PackedSplit, PackedTokens, PackedTokensBuilder } from './split.js';
export {
  iterateBatches,
  majorityClassAccuracy,
  countBatches,
  type LraBatch,
  type IterateBatchesOptions,
} from './batches.js';
export { Prng, seededPermutation } from './prng.js';
export { LraDataError } from './errors.js';

export {
  LISTOPS_SYMBOLS,
  LISTOPS_PAD_ID,
  LISTOPS_OOV_ID,
  LISTOPS_VOCAB_SIZE,
  tokenizeListOps,
  encodeListOps,
  decodeListOps,
  padListOps,
  type EncodeListOpsOptions,
} from './listops/tokenize.js';
export {
  generateListOps,
  serializeListOps,
  applyListOpsOperator,
  LISTOPS_PUBLISHED,
  type GenerateListOpsOptions,
  type GenerateListOpsStats,
  type ListOpsExample,
  type ListOpsSplits,
} from './listops/generate.js';
export { listOpsStructureProblem } from './listops/structure.js';

export {
  pathfinder32Config,
  pathXConfig,
  pathfinderFolder,
  PATHFINDER_DIFFICULTY_LENGTH,
  type PathfinderConfig,
  type PathfinderDifficulty,
} from './pathfinder/config.js';
export { generatePathfinderSample, type PathfinderSample, type Snake } from './pathfinder/generate.js';
export { renderPathfinder, type Segment, type Disc } from './pathfinder/render.js';
