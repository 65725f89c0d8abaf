import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../prng.js';
import { pathfinder32Config, pathXConfig } from './config.js';
import { generatePathfinderSample, pointSegmentDistance, type PathfinderSample } from './generate.js';
import { loadPathfinder } from './load.js';
import { decodeGrayPng, encodeGrayPng } from './png.js';
import { writePathfinderDataset } from './write.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lra-pathfinder-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cfg32 = pathfinder32Config();
const rng = new Prng(2024);
const samples: PathfinderSample[] = Array.from({ length: 200 }, () => generatePathfinderSample(rng, cfg32));

describe('the Pathfinder-32 generator', () => {
  it('draws balanced labels (200 samples within 4 standard deviations of 0.5)', () => {
    const positives = samples.reduce((a, s) => a + s.label, 0);
    // sd of the share = sqrt(0.25 / 200) ≈ 0.035
    expect(Math.abs(positives / 200 - 0.5)).toBeLessThan(4 * 0.035);
  });

  it('places both markers on the right snake ends, drawn at full brightness', () => {
    for (const s of samples) {
      const [a, b] = s.targets;
      expect(s.markers[0].x).toBe(a.start[0]);
      expect(s.markers[0].y).toBe(a.start[1]);
      const far = s.label === 1 ? a.end : b.end;
      expect([s.markers[1].x, s.markers[1].y]).toEqual(far);
      for (const m of s.markers) {
        expect(m.radius).toBe(1.5);
        expect(s.pixels[Math.floor(m.y) * 32 + Math.floor(m.x)]).toBeGreaterThanOrEqual(200);
      }
    }
  });

  it('grows two 14-paddle targets seeds 7 px apart and distractors of 4 paddles, inside the canvas', () => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of samples) {
      const [a, b] = s.targets;
      expect(a.paddles.length).toBe(14);
      expect(b.paddles.length).toBe(14);
      expect(Math.hypot(a.start[0] - b.start[0], a.start[1] - b.start[1])).toBeCloseTo(7, 9);
      expect(s.distractors.length).toBeLessThanOrEqual(5);
      for (const d of s.distractors) expect(d.paddles.length).toBe(4);
      for (const p of [...a.paddles, ...b.paddles]) {
        if (Math.abs(Math.hypot(p.x1 - p.x0, p.y1 - p.y0) - 2) > 1e-9)
          throw new Error('paddle length is not 2');
        lo = Math.min(lo, p.x0, p.y0, p.x1, p.y1);
        hi = Math.max(hi, p.x0, p.y0, p.x1, p.y1);
      }
    }
    // padding 1: nothing inside the outer pixel ring
    expect(lo).toBeGreaterThanOrEqual(1);
    expect(hi).toBeLessThanOrEqual(31);
    const meanDistractors = samples.reduce((a, s) => a + s.distractors.length, 0) / samples.length;
    expect(meanDistractors).toBeGreaterThan(3);
  });

  it('keeps paddles of different snakes apart (no overlap)', () => {
    let closest = Infinity;
    for (const s of samples.slice(0, 40)) {
      const snakes = [...s.targets, ...s.distractors];
      for (let i = 0; i < snakes.length; i++) {
        for (let j = i + 1; j < snakes.length; j++) {
          for (const p of snakes[i]!.paddles) {
            for (const q of snakes[j]!.paddles) {
              // sampled distance between the two centre lines must exceed the paddle thickness
              for (let t = 0; t <= 8; t++) {
                const x = p.x0 + ((p.x1 - p.x0) * t) / 8;
                const y = p.y0 + ((p.y1 - p.y0) * t) / 8;
                closest = Math.min(closest, pointSegmentDistance(x, y, q));
              }
            }
          }
        }
      }
    }
    expect(closest).toBeGreaterThan(cfg32.paddleThickness);
  });

  it('draws non-empty anti-aliased images (intermediate grey levels present)', () => {
    for (const s of samples) {
      expect(s.pixels.length).toBe(1024);
      const lit = s.pixels.filter((v) => v > 0).length;
      expect(lit).toBeGreaterThan(60);
      expect(lit).toBeLessThan(700);
      expect(s.pixels.some((v) => v > 0 && v < 255)).toBe(true);
    }
  });

  it('is deterministic per seed', () => {
    const again = new Prng(2024);
    for (let i = 0; i < 5; i++) {
      const s = generatePathfinderSample(again, cfg32);
      expect(s.label).toBe(samples[i]!.label);
      expect(Buffer.from(s.pixels).equals(Buffer.from(samples[i]!.pixels))).toBe(true);
    }
    const other = generatePathfinderSample(new Prng(2025), cfg32);
    expect(Buffer.from(other.pixels).equals(Buffer.from(samples[0]!.pixels))).toBe(false);
  });

  it('also makes Path-X images (128 px, marker radius 3)', () => {
    const r = new Prng(5);
    for (let i = 0; i < 5; i++) {
      const s = generatePathfinderSample(r, pathXConfig());
      expect(s.pixels.length).toBe(128 * 128);
      expect(s.markers[0].radius).toBe(3);
      expect(s.pixels[Math.floor(s.markers[1].y) * 128 + Math.floor(s.markers[1].x)]).toBe(255);
      expect([2, 3]).toContain(s.paddleMargin);
    }
  });
});

describe('grey PNG encode / decode', () => {
  it('round-trips pixel values', () => {
    const pixels = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const decoded = decodeGrayPng(encodeGrayPng(pixels, 4, 3));
    expect(decoded.width).toBe(4);
    expect(decoded.height).toBe(3);
    expect([...decoded.pixels]).toEqual([...pixels]);
  });
});

describe('Pathfinder files (released layout)', () => {
  const root = path.join(tmp, 'release');
  const written = writePathfinderDataset(root, { batches: 2, imagesPerBatch: 10, seed: 9 });

  it('writes imgs/<batch>/sample_<n>.png and text metadata/<batch>.npy with the label in field 4', () => {
    expect(written.dir).toBe(path.join(root, 'pathfinder32', 'curv_contour_length_14'));
    expect(fs.existsSync(path.join(written.dir, 'imgs', '1', 'sample_9.png'))).toBe(true);
    const lines = fs
      .readFileSync(path.join(written.dir, 'metadata', '1.npy'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.length).toBe(10);
    const fields = lines[3]!.split(' ');
    expect(fields.slice(0, 3)).toEqual(['imgs/1', 'sample_3.png', '3']);
    expect(['0', '1']).toContain(fields[3]);
    expect(fields.length).toBe(11);
  });

  it('loads back what was written, split 80/10/10 in metadata order', () => {
    const splits = loadPathfinder(root, { resolution: 32, difficulty: 'hard' });
    expect([splits.train.size, splits.val.size, splits.test.size]).toEqual([16, 2, 2]);
    expect(splits.train).toMatchObject({
      task: 'pathfinder',
      maxLength: 1024,
      vocabSize: 256,
      numClasses: 2,
      dual: false,
    });
    // regenerate batch 1 independently: same per-batch seed as the writer
    const r = new Prng(9 * 100_003 + 1);
    const batch1 = Array.from({ length: 10 }, () => generatePathfinderSample(r, cfg32));
    // test = the last two entries = batch 1, samples 8 and 9
    for (const [i, n] of [
      [0, 8],
      [1, 9],
    ] as const) {
      expect([...splits.test.tokens(i)]).toEqual([...batch1[n]!.pixels]);
      expect(splits.test.label(i)).toBe(batch1[n]!.label);
    }
    const lazy = loadPathfinder(root, { lazy: true });
    expect([...lazy.val.tokens(1)]).toEqual([...splits.val.tokens(1)]);
    expect(lazy.val.label(1)).toBe(splits.val.label(1));
    expect(written.positives).toBe(
      [splits.train, splits.val, splits.test].reduce((a, s) => {
        for (let i = 0; i < s.size; i++) a += s.label(i);
        return a;
      }, 0),
    );
  });

  const fixture = (
    name: string,
    lines: string[],
    images: Record<string, Buffer>,
    folder = 'curv_contour_length_14',
  ) => {
    const dir = path.join(tmp, name, 'pathfinder32', folder);
    fs.mkdirSync(path.join(dir, 'metadata'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'metadata', '0.npy'), lines.join('\n') + '\n');
    for (const [rel, bytes] of Object.entries(images)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), bytes);
    }
    return path.join(tmp, name);
  };
  const png = encodeGrayPng(new Uint8Array(1024).fill(7), 32, 32);

  it('skips only the known-empty pathfinder32/curv_baseline/imgs/0/sample_172.png', () => {
    // ten real images (the 80/10/10 split needs ten) and the known-empty one, listed last
    const real = Array.from({ length: 10 }, (_, i) => 162 + i);
    const root2 = fixture(
      'baseline',
      [
        ...real.map((n) => `imgs/0 sample_${n}.png ${n} 1 1 6 2 2 0.5 1 1`),
        'imgs/0 sample_172.png 172 0 1 6 2 2 0.5 1 1',
      ],
      Object.fromEntries(real.map((n) => [`imgs/0/sample_${n}.png`, png])),
      'curv_baseline',
    );
    const splits = loadPathfinder(root2, { difficulty: 'easy' });
    expect([splits.train.size, splits.val.size, splits.test.size]).toEqual([8, 1, 1]);
    expect(splits.test.label(0)).toBe(1);
    expect(splits.test.tokens(0)[5]).toBe(7);
  });

  it('names the file (and metadata line) of malformed input', () => {
    // nine good images first, so that every split is non-empty; the case under test is line 10 or 11
    const good = Array.from(
      { length: 9 },
      (_, i) => `imgs/0 sample_${i + 10}.png ${i + 10} 1 1 14 4 2 0.5 1 1`,
    );
    const goodImages = Object.fromEntries(good.map((_, i) => [`imgs/0/sample_${i + 10}.png`, png]));
    const ok = 'imgs/0 sample_0.png 0 1 1 14 4 2 0.5 1 1';
    const images = { 'imgs/0/sample_0.png': png, ...goodImages };
    expect(() => loadPathfinder(fixture('bad-label', [ok, 'imgs/0 sample_0.png 0 2 1'], images))).toThrow(
      /0\.npy:2: label \(field 4\) must be 0 or 1, got "2"/,
    );
    expect(() => loadPathfinder(fixture('short', ['imgs/0 sample_0.png 0'], images))).toThrow(
      /0\.npy:1: expected at least 4/,
    );
    expect(() =>
      loadPathfinder(fixture('missing', [...good, ok, 'imgs/0 sample_1.png 1 0'], images)),
    ).toThrow(/sample_1\.png \(listed at .*0\.npy:11\).*missing or unreadable image/);
    expect(() =>
      loadPathfinder(fixture('missing-lazy', [...good, ok, 'imgs/0 sample_1.png 1 0'], images), {
        lazy: true,
      }),
    ).toThrow(/sample_1\.png: missing image \(listed at .*0\.npy:11\)/);
    expect(() =>
      loadPathfinder(
        fixture('truncated', [...good, ok], {
          ...goodImages,
          'imgs/0/sample_0.png': png.subarray(0, png.length - 20),
        }),
      ),
    ).toThrow(/sample_0\.png \(listed at .*0\.npy:10\).*truncated or corrupt PNG/);
    const small = new PNG({ width: 16, height: 16 });
    expect(() =>
      loadPathfinder(
        fixture('size', [...good, ok], { ...goodImages, 'imgs/0/sample_0.png': PNG.sync.write(small) }),
      ),
    ).toThrow(/expected a 32×32 image, got 16×16/);
    expect(() => loadPathfinder(fixture('too-few', [ok], images))).toThrow(
      /metadata: only 1 image\(s\) listed: the 80\/10\/10 split would leave val empty/,
    );
    expect(() => loadPathfinder(path.join(tmp, 'nothing'))).toThrow(
      /metadata: cannot read the Pathfinder metadata folder/,
    );
    expect(() => loadPathfinder(root, { resolution: 48 as 32 })).toThrow(
      /resolution must be 32, 64, 128 or 256, got 48/,
    );
  });
});
