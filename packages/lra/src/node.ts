// Node.js entry of @tost/lra: everything in the browser-safe main entry, plus the file loaders and writers of the
// released LRA formats, grey PNG encode/decode and generateLraData (which writes data sets to disk).
export * from './index.js';

export { encodeGrayPng, decodeGrayPng } from './pathfinder/png.js';
export { writeListOpsTsv, readListOpsTsv, LISTOPS_TSV_HEADER } from './listops/tsv.js';
export { loadListOps, loadListOpsFile, type LoadListOpsOptions } from './listops/load.js';

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

export { DataPackageError, dataPackageDir } from './real/data-package.js';
export {
  loadMobyDick,
  randomTextWindows,
  sequentialTextWindows,
  unigramEntropyBits,
  MOBY_DICK_PACKAGE,
  type LoadMobyDickOptions,
  type TextBatch,
  type TextSplits,
} from './real/moby-dick.js';
export {
  loadSpamAssassin,
  messageBody,
  SPAM_ASSASSIN_PACKAGE,
  SPAM_GROUPS,
  type LoadSpamAssassinOptions,
  type SpamSplits,
} from './real/spam-assassin.js';
