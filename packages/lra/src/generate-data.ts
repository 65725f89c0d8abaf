import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateListOps, LISTOPS_PUBLISHED, type GenerateListOpsOptions } from './listops/generate.js';
import { writeListOpsTsv } from './listops/tsv.js';
import { PATHFINDER_DIFFICULTY_LENGTH, type PathfinderDifficulty } from './pathfinder/config.js';
import { writePathfinderDataset } from './pathfinder/write.js';

/** ListOps settings of a `quick` run: NOT the published setting (shorter sequences, fewer examples). */
export const LISTOPS_QUICK = {
  counts: { train: 2000, val: 200, test: 200 },
  minLength: 100,
  maxLength: 500,
} as const;

/** Pathfinder settings of a `quick` run: 2,000 images (the release has 200 batches of 1,000). */
export const PATHFINDER_QUICK = { batches: 4, imagesPerBatch: 500 } as const;
export const PATHFINDER_PUBLISHED = { batches: 200, imagesPerBatch: 1000 } as const;

export interface GenerateLraDataOptions {
  /** Small, fast data (not the published setting) — see LISTOPS_QUICK / PATHFINDER_QUICK. */
  quick: boolean;
  seed?: number;
  /** Pathfinder only: 32 (default) or 128 (Path-X). */
  resolution?: 32 | 128;
  /** ListOps only: override counts / lengths (wins over `quick`). */
  listops?: GenerateListOpsOptions;
  /**
   * Pathfinder only: override the number of batches / images per batch (wins over `quick`), and the difficulty
   * (contour length easy 6 / medium 9 / hard 14; default 'hard', the one LRA publishes).
   */
  pathfinder?: { batches?: number; imagesPerBatch?: number; difficulty?: PathfinderDifficulty };
}

export interface GenerateLraDataResult {
  task: 'listops' | 'pathfinder';
  /** Directory to hand to `loadLra(task, dir, ...)`. */
  dir: string;
  counts: { train: number; val: number; test: number };
  /**
   * Longest sequence the data can contain: ListOps tokens (use it as the loader's maxLength), Pathfinder pixels.
   */
  maxSequenceLength: number;
  /** True only when every setting equals the published LRA one. */
  published: boolean;
  /** Pathfinder only: the difficulty written (load it with the same `difficulty`). */
  difficulty?: PathfinderDifficulty;
}

/**
 * Writes generated data in the released layout, ready for `loadLra`: ListOps as `dir/basic_{train,val,test}.tsv`;
 * Pathfinder as `dir/pathfinder<res>/<difficulty folder>/{imgs,metadata}/...` (load with resolution 32 or 128 and the
 * same difficulty; default 'hard' = `curv_contour_length_14`).
 */
export function generateLraData(
  task: 'listops' | 'pathfinder',
  dir: string,
  opts: GenerateLraDataOptions,
): GenerateLraDataResult {
  fs.mkdirSync(dir, { recursive: true });
  const seed = opts.seed ?? 0;
  if (task === 'listops') {
    const base = opts.quick ? LISTOPS_QUICK : LISTOPS_PUBLISHED;
    const settings: GenerateListOpsOptions = {
      counts: base.counts,
      minLength: base.minLength,
      maxLength: base.maxLength,
      ...opts.listops,
      seed,
    };
    const data = generateListOps(settings);
    writeListOpsTsv(path.join(dir, 'basic_train.tsv'), data.train);
    writeListOpsTsv(path.join(dir, 'basic_val.tsv'), data.val);
    writeListOpsTsv(path.join(dir, 'basic_test.tsv'), data.test);
    const published =
      settings.minLength === LISTOPS_PUBLISHED.minLength &&
      settings.maxLength === LISTOPS_PUBLISHED.maxLength &&
      settings.maxDepth === undefined &&
      settings.maxArgs === undefined &&
      JSON.stringify(settings.counts) === JSON.stringify(LISTOPS_PUBLISHED.counts);
    return {
      task,
      dir,
      counts: { train: data.train.length, val: data.val.length, test: data.test.length },
      maxSequenceLength: settings.maxLength! - 1,
      published,
    };
  }
  if (task === 'pathfinder') {
    const base = opts.quick ? PATHFINDER_QUICK : PATHFINDER_PUBLISHED;
    const batches = opts.pathfinder?.batches ?? base.batches;
    const imagesPerBatch = opts.pathfinder?.imagesPerBatch ?? base.imagesPerBatch;
    const resolution = opts.resolution ?? 32;
    const difficulty = opts.pathfinder?.difficulty ?? 'hard';
    const contourLength = PATHFINDER_DIFFICULTY_LENGTH[difficulty];
    if (contourLength === undefined) {
      throw new Error(
        `generateLraData: pathfinder.difficulty must be easy, medium or hard, got ${String(difficulty)}`,
      );
    }
    const written = writePathfinderDataset(dir, { resolution, contourLength, batches, imagesPerBatch, seed });
    const nTrain = Math.floor(written.images * 0.8);
    const nVal = Math.floor(written.images * 0.1);
    return {
      task,
      dir,
      counts: { train: nTrain, val: nVal, test: written.images - nTrain - nVal },
      maxSequenceLength: resolution * resolution,
      published:
        batches === PATHFINDER_PUBLISHED.batches &&
        imagesPerBatch === PATHFINDER_PUBLISHED.imagesPerBatch &&
        difficulty === 'hard',
      difficulty,
    };
  }
  throw new Error(`generateLraData: task must be 'listops' or 'pathfinder', got ${String(task)}`);
}
