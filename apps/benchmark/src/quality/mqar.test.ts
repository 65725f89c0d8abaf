import { describe, expect, it } from 'vitest';
import { mqarExamples, mqarTrainingBatch } from './mqar.js';

describe('MQAR generator (bidirectional-safe form)', () => {
  it('writes k1 v1 … kN vN then the N keys permuted, labelled with their values', () => {
    const N = 8;
    const { ids, labels, count, length } = mqarExamples(N, 200, 7);
    expect([count, length]).toEqual([200, 24]);
    for (let r = 0; r < count; r++) {
      const row = Array.from(ids.subarray(r * length, (r + 1) * length));
      const lab = Array.from(labels.subarray(r * length, (r + 1) * length));
      const keys = row.filter((_, i) => i < 2 * N && i % 2 === 0);
      const values = row.filter((_, i) => i < 2 * N && i % 2 === 1);
      expect(new Set(keys).size).toBe(N);
      keys.forEach((k) => expect(k >= 1 && k <= 127).toBe(true));
      values.forEach((v) => expect(v >= 128 && v <= 255).toBe(true));
      const queries = row.slice(2 * N);
      expect([...queries].sort((a, b) => a - b)).toEqual([...keys].sort((a, b) => a - b));
      expect(lab.slice(0, 2 * N).every((l) => l === -100)).toBe(true);
      // No value follows its query: every label is the value stored earlier with the queried key.
      queries.forEach((q, j) => expect(lab[2 * N + j]).toBe(values[keys.indexOf(q)]));
    }
  });

  it('draws keys and values uniformly: every key and value appears, values repeat within some examples', () => {
    const { ids, count, length } = mqarExamples(32, 300, 3);
    const seenKeys = new Set<number>();
    const seenValues = new Set<number>();
    let repeated = 0;
    for (let r = 0; r < count; r++) {
      const values = new Set<number>();
      for (let i = 0; i < 64; i++) {
        const t = ids[r * length + i]!;
        if (i % 2 === 0) seenKeys.add(t);
        else {
          values.add(t);
          seenValues.add(t);
        }
      }
      if (values.size < 32) repeated++;
    }
    expect(seenKeys.size).toBe(127);
    expect(seenValues.size).toBe(128);
    // With replacement: P(32 distinct values of 128) ≈ 1.5 %, so nearly every example repeats one.
    expect(repeated).toBeGreaterThan(250);
  });

  it('training batches are fresh per step, repeatable, and differ from the test stream', () => {
    const a = mqarTrainingBatch(8, 4, 1, 0);
    expect(Array.from(mqarTrainingBatch(8, 4, 1, 0).ids)).toEqual(Array.from(a.ids));
    expect(Array.from(mqarTrainingBatch(8, 4, 1, 1).ids)).not.toEqual(Array.from(a.ids));
    expect(Array.from(mqarTrainingBatch(8, 4, 2, 0).ids)).not.toEqual(Array.from(a.ids));
  });
});
