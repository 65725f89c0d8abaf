import { describe, it, expect } from 'vitest';
import { quantileOfSorted, summariseSamples } from './statistics.js';

describe('summariseSamples', () => {
  it('odd count: the middle value is the median; min, max and quartiles by hand', () => {
    const s = summariseSamples([9, 1, 5, 3, 7]);
    expect(s).toMatchObject({ median: 5, min: 1, max: 9, q1: 3, q3: 7 });
    expect(s.samples).toEqual([9, 1, 5, 3, 7]);
  });

  it('even count: the median is the mean of the two middle values', () => {
    const s = summariseSamples([4, 1, 3, 2]);
    expect(s.median).toBe(2.5);
    // sorted 1 2 3 4: q1 at position 0.75 → 1.75, q3 at position 2.25 → 3.25
    expect(s.q1).toBeCloseTo(1.75, 12);
    expect(s.q3).toBeCloseTo(3.25, 12);
  });

  it('a single sample is its own summary', () => {
    expect(summariseSamples([42])).toMatchObject({ median: 42, min: 42, max: 42, q1: 42, q3: 42 });
  });

  it('an outlier moves the max but not the median', () => {
    const s = summariseSamples([10, 11, 10, 12, 500]);
    expect(s.median).toBe(11);
    expect(s.max).toBe(500);
  });

  it('rejects empty and non-finite input with a message naming the argument', () => {
    expect(() => summariseSamples([])).toThrow(/'samples' must not be empty/);
    expect(() => summariseSamples([1, NaN])).toThrow(/finite, got NaN/);
    expect(() => quantileOfSorted([1], 1.5)).toThrow(/'q' must be in \[0, 1\], got 1.5/);
  });
});
