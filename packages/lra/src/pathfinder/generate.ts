import { Prng } from '../prng.js';
import type { PathfinderConfig } from './config.js';
import { renderPathfinder, type Disc, type Segment } from './render.js';

/** One grown snake: its paddles (drawn segments) and its two ends. */
export interface Snake {
  paddles: Segment[];
  start: [number, number];
  end: [number, number];
}

/** One generated image with its label and the geometry that produced it. */
export interface PathfinderSample {
  /** Row-major grey pixels 0–255, resolution × resolution. */
  pixels: Uint8Array;
  /** 1 = the markers sit on the two ends of the same snake. */
  label: 0 | 1;
  markers: [Disc, Disc];
  targets: [Snake, Snake];
  distractors: Snake[];
  paddleMargin: number;
}

/**
 * Exclusion grid at the supersampled resolution (spec: "rejecting overlap with what is drawn"). When a snake is
 * finished, every cell within `reach` of one of its paddles' centre lines is blocked; a candidate paddle of a later
 * snake is valid when no point sampled along its centre line (every half subpixel) falls in a blocked cell — i.e.
 * the two centre lines stay more than `reach` apart. A snake's own paddles are checked separately (see growSnake)
 * because the previous paddle must be allowed to touch the pivot.
 */
class Occupancy {
  readonly side: number;
  readonly blocked: Uint8Array;

  constructor(
    resolution: number,
    readonly scale: number,
  ) {
    this.side = resolution * scale;
    this.blocked = new Uint8Array(this.side * this.side);
  }

  isFree(s: Segment): boolean {
    const k = this.scale;
    const len = Math.hypot(s.x1 - s.x0, s.y1 - s.y0);
    const steps = Math.max(1, Math.ceil(len * k * 2));
    for (let t = 0; t <= steps; t++) {
      const x = Math.floor((s.x0 + ((s.x1 - s.x0) * t) / steps) * k);
      const y = Math.floor((s.y0 + ((s.y1 - s.y0) * t) / steps) * k);
      if (x < 0 || y < 0 || x >= this.side || y >= this.side) return false;
      if (this.blocked[y * this.side + x]) return false;
    }
    return true;
  }

  block(s: Segment, reach: number): void {
    const k = this.scale;
    const x0 = Math.max(0, Math.floor((Math.min(s.x0, s.x1) - reach) * k));
    const x1 = Math.min(this.side - 1, Math.ceil((Math.max(s.x0, s.x1) + reach) * k));
    const y0 = Math.max(0, Math.floor((Math.min(s.y0, s.y1) - reach) * k));
    const y1 = Math.min(this.side - 1, Math.ceil((Math.max(s.y0, s.y1) + reach) * k));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (pointSegmentDistance((x + 0.5) / k, (y + 0.5) / k, s) <= reach)
          this.blocked[y * this.side + x] = 1;
      }
    }
  }
}

export function pointSegmentDistance(px: number, py: number, s: Segment): number {
  const dx = s.x1 - s.x0;
  const dy = s.y1 - s.y0;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - s.x0) * dx + (py - s.y0) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const ex = s.x0 + t * dx - px;
  const ey = s.y0 + t * dy - py;
  return Math.sqrt(ex * ex + ey * ey);
}

/**
 * Grows one snake of `length` paddles from `seed`. Each paddle starts at the current pivot; the next pivot lies
 * paddleLength + margin further along. The first direction is uniform; each later one is drawn among
 * `candidateAngles` turns Δθ in (-90°, 90°) with weight max(cos Δθ, 0)^(2·continuity), restricted to the
 * candidates that stay inside the padded canvas and keep clear (by `margin`) of everything drawn — the previous
 * paddle of the same snake excepted. Returns null when some pivot has no valid candidate.
 */
function growSnake(
  rng: Prng,
  cfg: PathfinderConfig,
  occupancy: Occupancy,
  seed: [number, number],
  length: number,
  margin: number,
): Snake | null {
  // Centre lines of different paddles must stay `clearance` apart: two half-thicknesses plus the margin.
  const clearance = cfg.paddleThickness + margin;
  const lo = cfg.padding;
  const hi = cfg.resolution - cfg.padding;
  const pending: Segment[] = [];
  let [px, py] = seed;
  let heading = rng.next() * 2 * Math.PI;
  // Paddles of this snake are claimed at the end, so they are tracked here for the self-overlap test.
  const selfClear = (s: Segment): boolean => {
    for (let j = 0; j < pending.length - 1; j++) {
      if (segmentDistance(s, pending[j]!) <= clearance) return false;
    }
    return true;
  };
  for (let i = 0; i < length; i++) {
    const candidates: { angle: number; weight: number; seg: Segment }[] = [];
    const n = cfg.candidateAngles;
    for (let c = 0; c < n; c++) {
      let angle: number;
      let weight: number;
      if (i === 0) {
        angle = heading + (c * 2 * Math.PI) / n;
        weight = 1;
      } else {
        const delta = -Math.PI / 2 + ((c + 0.5) * Math.PI) / n;
        angle = heading + delta;
        weight = Math.pow(Math.max(Math.cos(delta), 0), 2 * cfg.continuity);
      }
      const seg: Segment = {
        x0: px,
        y0: py,
        x1: px + cfg.paddleLength * Math.cos(angle),
        y1: py + cfg.paddleLength * Math.sin(angle),
      };
      if (Math.min(seg.x0, seg.x1) < lo || Math.max(seg.x0, seg.x1) > hi) continue;
      if (Math.min(seg.y0, seg.y1) < lo || Math.max(seg.y0, seg.y1) > hi) continue;
      if (!occupancy.isFree(seg) || !selfClear(seg)) continue;
      candidates.push({ angle, weight, seg });
    }
    const total = candidates.reduce((a, c) => a + c.weight, 0);
    if (candidates.length === 0 || total <= 0) return null;
    let pick = rng.next() * total;
    let chosen = candidates[candidates.length - 1]!;
    for (const c of candidates) {
      pick -= c.weight;
      if (pick < 0) {
        chosen = c;
        break;
      }
    }
    pending.push(chosen.seg);
    heading = chosen.angle;
    const step = cfg.paddleLength + margin;
    px += step * Math.cos(heading);
    py += step * Math.sin(heading);
  }
  // Half a subpixel more than the clearance: a centre-line sample is tested by the cell it falls in.
  for (const s of pending) occupancy.block(s, clearance + 0.5 / cfg.antialiasScale);
  const last = pending[pending.length - 1]!;
  return { paddles: pending, start: [seed[0], seed[1]], end: [last.x1, last.y1] };
}

/** Minimum distance between two segments (they do not cross in our use, so endpoint distances suffice). */
function segmentDistance(a: Segment, b: Segment): number {
  return Math.min(
    pointSegmentDistance(a.x0, a.y0, b),
    pointSegmentDistance(a.x1, a.y1, b),
    pointSegmentDistance(b.x0, b.y0, a),
    pointSegmentDistance(b.x1, b.y1, a),
  );
}

function randomPoint(rng: Prng, cfg: PathfinderConfig): [number, number] {
  const lo = cfg.padding + cfg.paddleLength;
  const hi = cfg.resolution - cfg.padding - cfg.paddleLength;
  return [lo + rng.next() * (hi - lo), lo + rng.next() * (hi - lo)];
}

/**
 * Generates one Pathfinder image (the published Pathfinder generator, Linsley et al. 2018): two target snakes of `contourLength` paddles from
 * seeds `seedDistance` apart, `numDistractors` distractor snakes of `distractorLength` paddles, all
 * overlap-free; label ~ Bernoulli(0.5); a disc marker at the start of target snake 0 and one at the far end of
 * snake 0 (label 1) or snake 1 (label 0); anti-aliased at `antialiasScale`× and box-downsampled.
 */
export function generatePathfinderSample(rng: Prng, cfg: PathfinderConfig): PathfinderSample {
  const label: 0 | 1 = rng.next() < 0.5 ? 1 : 0;
  const margin = rng.choice(cfg.paddleMargins);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const occupancy = new Occupancy(cfg.resolution, cfg.antialiasScale);
    const seedA = randomPoint(rng, cfg);
    const angle = rng.next() * 2 * Math.PI;
    const seedB: [number, number] = [
      seedA[0] + cfg.seedDistance * Math.cos(angle),
      seedA[1] + cfg.seedDistance * Math.sin(angle),
    ];
    const inside = (p: [number, number]): boolean =>
      p.every((v) => v >= cfg.padding && v <= cfg.resolution - cfg.padding);
    if (!inside(seedB)) continue;
    const targets: Snake[] = [];
    for (const seed of [seedA, seedB]) {
      for (let r = 0; r < cfg.maxSnakeRetries && targets.length < (seed === seedA ? 1 : 2); r++) {
        const snake = growSnake(rng, cfg, occupancy, seed, cfg.contourLength, margin);
        if (snake) targets.push(snake);
      }
    }
    if (targets.length < 2) continue;
    const distractors: Snake[] = [];
    for (let d = 0; d < cfg.numDistractors; d++) {
      for (let r = 0; r < cfg.maxSnakeRetries; r++) {
        const snake = growSnake(rng, cfg, occupancy, randomPoint(rng, cfg), cfg.distractorLength, margin);
        if (snake) {
          distractors.push(snake);
          break;
        }
      }
    }
    const [a, b] = targets as [Snake, Snake];
    const far = label === 1 ? a.end : b.end;
    const markers: [Disc, Disc] = [
      { x: a.start[0], y: a.start[1], radius: cfg.markerRadius },
      { x: far[0], y: far[1], radius: cfg.markerRadius },
    ];
    const segments = [...a.paddles, ...b.paddles, ...distractors.flatMap((s) => s.paddles)];
    const pixels = renderPathfinder(
      cfg.resolution,
      cfg.antialiasScale,
      segments,
      cfg.paddleThickness,
      markers,
    );
    return { pixels, label, markers, targets: [a, b], distractors, paddleMargin: margin };
  }
  throw new Error(
    `generatePathfinderSample: could not place the target snakes in 1000 attempts (resolution ${cfg.resolution})`,
  );
}
