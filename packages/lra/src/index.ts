export type { LraTaskName, LraSplit, SplitShape } from './split.js';
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
export { writeListOpsTsv, readListOpsTsv, LISTOPS_TSV_HEADER } from './listops/tsv.js';
export { loadListOps, loadListOpsFile, type LoadListOpsOptions } from './listops/load.js';
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
export {
  renderPathfinder,
  encodeGrayPng,
  decodeGrayPng,
  type Segment,
  type Disc,
} from './pathfinder/render.js';
export {
  writePathfinderDataset,
  type WritePathfinderOptions,
  type WritePathfinderResult,
} from './pathfinder/write.js';
export {
  loadPathfinder,
  readPathfinderMetadata,
  type LoadPathfinderOptions,
  type PathfinderEntry,
} from './pathfinder/load.js';

export { loadText, BYTE_VOCAB_SIZE, type LoadTextOptions } from './text.js';
export { loadRetrieval, loadRetrievalFile, type LoadRetrievalOptions } from './retrieval.js';
export { loadImage, lumaGray, CIFAR_RECORD_BYTES, type LoadImageOptions } from './cifar.js';

export {
  generateLraData,
  LISTOPS_QUICK,
  PATHFINDER_QUICK,
  PATHFINDER_PUBLISHED,
  type GenerateLraDataOptions,
  type GenerateLraDataResult,
} from './generate-data.js';
export { loadLra, type LoadLraOptions, type LraSplits } from './load-lra.js';
