import * as fs from 'node:fs';
import * as path from 'node:path';
import { Prng } from '../prng.js';
import { pathfinder32Config, pathfinderFolder, pathXConfig, type PathfinderConfig } from './config.js';
import { generatePathfinderSample } from './generate.js';
import { encodeGrayPng } from './png.js';

export interface WritePathfinderOptions {
  /** 32 (Pathfinder-32, default) or 128 (Path-X); other sizes need `config`. */
  resolution?: number;
  /** Paddles per target snake (14 = hard, default). */
  contourLength?: number;
  /** Full generator parameters (overrides resolution / contourLength). */
  config?: PathfinderConfig;
  /** Number of `imgs/<batch>` folders (the release has 200 of 1000 images). */
  batches: number;
  imagesPerBatch: number;
  seed?: number;
}

export interface WritePathfinderResult {
  /** `<root>/pathfinder<res>/<difficulty folder>` */
  dir: string;
  images: number;
  positives: number;
}

/**
 * Generates images and writes them in the released layout:
 * `<root>/pathfinder<res>/curv_contour_length_<L>/imgs/<batch>/sample_<n>.png` plus `metadata/<batch>.npy`, a TEXT
 * file with one line per image: `imgs/<batch> sample_<n>.png <n> <label> <continuity> <contour length>
 * <distractor length> <paddle length> <paddle thickness> <paddle margin> 1` (the original generator's columns).
 * Batch b uses its own Prng seeded from (seed, b), so batches can be regenerated independently.
 */
export function writePathfinderDataset(root: string, opts: WritePathfinderOptions): WritePathfinderResult {
  const resolution = opts.resolution ?? 32;
  const cfg =
    opts.config ??
    (resolution === 32
      ? pathfinder32Config(opts.contourLength ?? 14)
      : resolution === 128
        ? pathXConfig(opts.contourLength ?? 14)
        : undefined);
  if (!cfg)
    throw new Error(
      `writePathfinderDataset: no built-in config for resolution ${resolution}; pass opts.config`,
    );
  for (const [name, v] of Object.entries({ batches: opts.batches, imagesPerBatch: opts.imagesPerBatch })) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`writePathfinderDataset: ${name} must be a positive integer, got ${v}`);
  }
  const dir = path.join(root, `pathfinder${cfg.resolution}`, pathfinderFolder(cfg.contourLength));
  fs.mkdirSync(path.join(dir, 'metadata'), { recursive: true });
  let positives = 0;
  for (let b = 0; b < opts.batches; b++) {
    const rng = new Prng((opts.seed ?? 0) * 100_003 + b);
    const imgDir = path.join(dir, 'imgs', String(b));
    fs.mkdirSync(imgDir, { recursive: true });
    const lines: string[] = [];
    for (let n = 0; n < opts.imagesPerBatch; n++) {
      const sample = generatePathfinderSample(rng, cfg);
      positives += sample.label;
      const file = `sample_${n}.png`;
      fs.writeFileSync(path.join(imgDir, file), encodeGrayPng(sample.pixels, cfg.resolution, cfg.resolution));
      lines.push(
        [
          `imgs/${b}`,
          file,
          n,
          sample.label,
          cfg.continuity,
          cfg.contourLength,
          cfg.distractorLength,
          cfg.paddleLength,
          cfg.paddleThickness,
          sample.paddleMargin,
          1,
        ].join(' '),
      );
    }
    fs.writeFileSync(path.join(dir, 'metadata', `${b}.npy`), lines.join('\n') + '\n');
  }
  return { dir, images: opts.batches * opts.imagesPerBatch, positives };
}
