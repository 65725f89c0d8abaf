import { join } from 'node:path';
import type { PackedSplit } from './split.js';

export type SplitName = 'train' | 'val' | 'test';

/** The train, val and test splits of a released task, each read by `loadFile` from its own file in `dir`. */
export function loadSplitFiles(
  dir: string,
  files: Record<SplitName, string>,
  loadFile: (file: string, split: SplitName) => PackedSplit,
): Record<SplitName, PackedSplit> {
  return {
    train: loadFile(join(dir, files.train), 'train'),
    val: loadFile(join(dir, files.val), 'val'),
    test: loadFile(join(dir, files.test), 'test'),
  };
}
