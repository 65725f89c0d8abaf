// Node-only pieces of @tost/training: checkpoint files, terminal progress, data-parallel worker threads.
export { FileCheckpoints } from './file-checkpoints.js';
export { TerminalProgress } from './terminal-progress.js';
export { startDataParallel, type DataParallelOptions } from './data-parallel.js';
export { defaultReplicas } from './default-replicas.js';
