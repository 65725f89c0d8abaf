/**
 * Parameters of the Pathfinder generator (the published Pathfinder generator, Linsley et al. 2018, as used by LRA, arXiv 2011.04006). Lengths are in output pixels.
 */
export interface PathfinderConfig {
  /** Canvas side (32 for Pathfinder-32, 128 for Path-X). */
  resolution: number;
  /** Paddles per target snake: 14 = hard (curv_contour_length_14), 9 = medium, 6 = easy (curv_baseline). */
  contourLength: number;
  /** Paddles per distractor snake (contourLength // 3). */
  distractorLength: number;
  /** Number of distractor snakes (20 // distractorLength). */
  numDistractors: number;
  paddleLength: number;
  paddleThickness: number;
  /** Gap between consecutive paddles of a snake; one value is drawn per image. */
  paddleMargins: number[];
  /** Distance between the seeds of the two target snakes. */
  seedDistance: number;
  markerRadius: number;
  /** Higher = straighter snakes: turn Δθ is drawn with weight max(cos Δθ, 0)^(2·continuity). */
  continuity: number;
  /** Supersampling factor for anti-aliasing (render at scale×, then box-downsample). */
  antialiasScale: number;
  /** Border (px) that no paddle may enter. */
  padding: number;
  /** Candidate directions tried at every pivot. */
  candidateAngles: number;
  /** Attempts to grow one snake before the whole image is restarted (targets) or the snake is skipped (distractors). */
  maxSnakeRetries: number;
}

/** Folder name of each difficulty in the released layout. */
export function pathfinderFolder(contourLength: number): string {
  if (contourLength === 6) return 'curv_baseline';
  return `curv_contour_length_${contourLength}`;
}

/** Contour length of each LRA difficulty: easy / medium / hard = baseline (6) / 9 / 14. */
export const PATHFINDER_DIFFICULTY_LENGTH = { easy: 6, medium: 9, hard: 14 } as const;
export type PathfinderDifficulty = keyof typeof PATHFINDER_DIFFICULTY_LENGTH;

/**
 * What both image sizes derive from the contour length (distractors a third as long, as many as fit 20 segments)
 * and the generator settings they share (2× antialiasing, 24 candidate angles, 6 retries per snake).
 */
function contourSettings(contourLength: number) {
  const distractorLength = Math.floor(contourLength / 3);
  return {
    contourLength,
    distractorLength,
    numDistractors: Math.floor(20 / distractorLength),
    antialiasScale: 2,
    candidateAngles: 24,
    maxSnakeRetries: 6,
  };
}

/** Pathfinder-32 with the spec's parameters (paddle 2, thickness 0.5, margin 1, seeds 7 px apart, marker 1.5). */
export function pathfinder32Config(contourLength = 14): PathfinderConfig {
  return {
    ...contourSettings(contourLength),
    resolution: 32,
    paddleLength: 2,
    paddleThickness: 0.5,
    paddleMargins: [1],
    seedDistance: 7,
    markerRadius: 1.5,
    continuity: 1.0,
    padding: 1,
  };
}

/**
 * Path-X (128×128) with the spec's parameters (margin 2–3, seeds 20 px apart, marker radius 3, thickness 1.5,
 * continuity 1.8). The spec does not give the paddle length at 128 px; 5 px is our choice (documented deviation).
 */
export function pathXConfig(contourLength = 14): PathfinderConfig {
  return {
    ...contourSettings(contourLength),
    resolution: 128,
    paddleLength: 5,
    paddleThickness: 1.5,
    paddleMargins: [2, 3],
    seedDistance: 20,
    markerRadius: 3,
    continuity: 1.8,
    padding: 3,
  };
}
