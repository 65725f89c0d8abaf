import { describe, expect, it } from 'vitest';
import { countBatches, iterateBatches, majorityClassAccuracy } from './batches.js';
import { Prng, seededPermutation } from './prng.js';
import { PackedSplit, PackedTokensBuilder } from './split.js';

/** A split whose example i has tokens [i+1, i+1, ...] of length (i % 4) + 1 and label i % 3. */
function toySplit(size: number, maxLength: number, dual = false): PackedSplit {
  const a = new PackedTokensBuilder('u16');
  const b = new PackedTokensBuilder('u16');
  const labels: number[] = [];
  for (let i = 0; i < size; i++) {
    a.push(new Array((i % 4) + 1).fill(i + 1));
    b.push(new Array((i % 3) + 1).fill(i + 100));
    labels.push(i % 3);
  }
  const shape = { task: 'listops' as const, maxLength, vocabSize: 500, numClasses: 3 };
  return new PackedSplit(shape, 'train', a.finish(), Uint8Array.from(labels), dual ? b.finish() : undefined);
}

describe('Prng (sfc32 seeded by splitmix32)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const r = new Prng(seed);
      return Array.from({ length: 5 }, () => r.nextUint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('gives uniform-looking floats and inclusive integer ranges', () => {
    const r = new Prng(1);
    const n = 20000;
    let sum = 0;
    let lo = 1;
    let hi = 0;
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const u = r.next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      sum += u;
      seen.add(r.int(2, 10));
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // mean of U(0,1) has sd sqrt(1/12/n) ≈ 0.002; 0.01 is 5 sd.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    expect([...seen].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('seededPermutation is a permutation, reproducible by seed', () => {
    const p = seededPermutation(100, 3);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...seededPermutation(100, 3)]).toEqual([...p]);
    expect([...seededPermutation(100, 4)]).not.toEqual([...p]);
  });
});

describe('PackedSplit', () => {
  it('pads with 0 and truncates to maxLength', () => {
    const s = toySplit(8, 3);
    expect([...s.tokens(0)]).toEqual([1, 0, 0]);
    expect([...s.tokens(3)]).toEqual([4, 4, 4]); // 4 stored tokens truncated to 3
    expect(s.label(5)).toBe(2);
    expect(s.dual).toBe(false);
    expect(s.tokens2).toBeUndefined();
    expect(() => s.tokens(8)).toThrow(/\[0, 8\).*8/);
  });

  it('applies the stored shift (byte + 1) on read', () => {
    const b = new PackedTokensBuilder('u8', 1);
    b.pushBytes(Uint8Array.from([0, 255]));
    const s = new PackedSplit(
      { task: 'text', maxLength: 4, vocabSize: 257, numClasses: 2 },
      'test',
      b.finish(),
      Uint8Array.from([1]),
    );
    expect([...s.tokens(0)]).toEqual([1, 256, 0, 0]);
  });
});

describe('iterateBatches', () => {
  it('covers every example exactly once per epoch, in order without a seed', () => {
    const s = toySplit(10, 4);
    const batches = [...iterateBatches(s, { batchSize: 4 })];
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(batches.flatMap((b) => b.indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b1 = batches[1]!;
    expect([...b1.tokens.subarray(0, 4)]).toEqual([5, 0, 0, 0]); // example 4: one token "5"
    expect([...b1.tokens.subarray(4, 8)]).toEqual([6, 6, 0, 0]);
    expect([...b1.labels]).toEqual([1, 2, 0, 1]);
    expect(b1.tokens2).toBeUndefined();
  });

  it('shuffles deterministically by seed and rows match tokens(i)/label(i)', () => {
    const s = toySplit(23, 5);
    const a = [...iterateBatches(s, { batchSize: 5, shuffleSeed: 11 })];
    const b = [...iterateBatches(s, { batchSize: 5, shuffleSeed: 11 })];
    const c = [...iterateBatches(s, { batchSize: 5, shuffleSeed: 12 })];
    expect(a.flatMap((x) => x.indices)).toEqual(b.flatMap((x) => x.indices));
    expect(a.flatMap((x) => x.indices)).not.toEqual(c.flatMap((x) => x.indices));
    expect(a.flatMap((x) => x.indices).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 23 }, (_, i) => i),
    );
    for (const batch of a) {
      batch.indices.forEach((i, r) => {
        expect([...batch.tokens.subarray(r * 5, (r + 1) * 5)]).toEqual([...s.tokens(i)]);
        expect(batch.labels[r]).toBe(s.label(i));
      });
    }
  });

  it('startBatch resumes exactly where an interrupted epoch stopped; dropRemainder drops the tail', () => {
    const s = toySplit(23, 3);
    const full = [...iterateBatches(s, { batchSize: 4, shuffleSeed: 5 })];
    const resumed = [...iterateBatches(s, { batchSize: 4, shuffleSeed: 5, startBatch: 2 })];
    expect(resumed.map((b) => b.indices)).toEqual(full.slice(2).map((b) => b.indices));
    const dropped = [...iterateBatches(s, { batchSize: 4, shuffleSeed: 5, dropRemainder: true })];
    expect(dropped.length).toBe(5);
    expect(dropped.every((b) => b.size === 4)).toBe(true);
    expect(countBatches(23, 4)).toBe(6);
    expect(countBatches(23, 4, true)).toBe(5);
    expect([...iterateBatches(s, { batchSize: 4, startBatch: 99 })]).toEqual([]);
  });

  it('fills tokens2 for dual splits', () => {
    const s = toySplit(3, 2, true);
    const [batch] = [...iterateBatches(s, { batchSize: 3 })];
    expect([...batch!.tokens2!]).toEqual([100, 0, 101, 101, 102, 102]);
  });

  it('rejects a bad batch size or start', () => {
    const s = toySplit(3, 2);
    expect(() => [...iterateBatches(s, { batchSize: 0 })]).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    expect(() => [...iterateBatches(s, { batchSize: 2, startBatch: -1 })]).toThrow(/startBatch/);
  });
});

describe('majorityClassAccuracy', () => {
  it('is the share of the most frequent label', () => {
    // labels i % 3 for 10 examples: 0 ×4, 1 ×3, 2 ×3
    expect(majorityClassAccuracy(toySplit(10, 2))).toBeCloseTo(0.4, 12);
  });
});
