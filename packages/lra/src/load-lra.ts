import { loadImage, type LoadImageOptions } from './cifar.js';
import { loadListOps, type LoadListOpsOptions } from './listops/load.js';
import { loadPathfinder, type LoadPathfinderOptions } from './pathfinder/load.js';
import { loadRetrieval, type LoadRetrievalOptions } from './retrieval.js';
import type { LraSplit, LraTaskName } from './split.js';
import { loadText, type LoadTextOptions } from './text.js';

export type LoadLraOptions = LoadListOpsOptions &
  LoadTextOptions &
  LoadRetrievalOptions &
  LoadImageOptions &
  LoadPathfinderOptions;

export interface LraSplits {
  train: LraSplit;
  val: LraSplit;
  test: LraSplit;
}

/**
 * Loads any LRA task from its released layout in `dir` (synchronous). `maxLength` applies to the token tasks
 * (listops, text, retrieval); 'pathx' is Pathfinder at 128 px unless `resolution` says otherwise.
 */
export function loadLra(task: LraTaskName, dir: string, opts: LoadLraOptions = {}): LraSplits {
  switch (task) {
    case 'listops':
      return loadListOps(dir, opts);
    case 'text':
      return loadText(dir, opts);
    case 'retrieval':
      return loadRetrieval(dir, opts);
    case 'image':
      return loadImage(dir, opts);
    case 'pathfinder':
      return loadPathfinder(dir, opts);
    case 'pathx':
      return loadPathfinder(dir, { ...opts, resolution: opts.resolution ?? 128 });
    default:
      throw new Error(
        `loadLra: task must be one of listops, text, retrieval, image, pathfinder, pathx; got ${String(task)}`,
      );
  }
}
