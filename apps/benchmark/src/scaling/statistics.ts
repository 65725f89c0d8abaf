/** Summary of repeated wall-time samples (milliseconds). */
export interface TimingSummary {
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation between order statistics, as numpy's default). */
  q1: number;
  q3: number;
  /** The raw samples, in the order they were taken. */
  samples: number[];
}

/** The q-quantile (0 ≤ q ≤ 1) of already sorted values, interpolating linearly between neighbours. */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantileOfSorted: argument 'sorted' must not be empty");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileOfSorted: argument 'q' must be in [0, 1], got ${q}`);
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (position - lower) * (sorted[upper]! - sorted[lower]!);
}

/** Median, min/max and interquartile range of the samples. */
export function summariseSamples(samples: readonly number[]): TimingSummary {
  if (samples.length === 0) throw new RangeError("summariseSamples: argument 'samples' must not be empty");
  for (const s of samples) {
    if (!Number.isFinite(s)) throw new RangeError(`summariseSamples: every sample must be finite, got ${s}`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: quantileOfSorted(sorted, 0.5),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    q1: quantileOfSorted(sorted, 0.25),
    q3: quantileOfSorted(sorted, 0.75),
    samples: [...samples],
  };
}
