import * as path from 'node:path';
import { generateLraData } from './generate-data.js';

/**
 * Writes a tiny quick Pathfinder set (one batch of `images` generated 32×32 images, hard contours) under `dir` and
 * returns the folder of its images and metadata (`dir/pathfinder32/curv_contour_length_14`). Test-only.
 */
export function writeTinyPathfinder(dir: string, seed: number, images: number): string {
  generateLraData('pathfinder', dir, {
    quick: true,
    seed,
    pathfinder: { batches: 1, imagesPerBatch: images },
  });
  return path.join(dir, 'pathfinder32', 'curv_contour_length_14');
}
