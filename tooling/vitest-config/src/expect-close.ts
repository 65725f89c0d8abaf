import { expect } from 'vitest';

export interface CloseOptions {
  /** Relative tolerance, scaled by |expected|. */
  rtol?: number;
  /** Absolute tolerance, added to rtol·|expected|. */
  atol?: number;
  /** Prefix for the failure message (which tensor, which case). */
  label?: string;
}

export type NestedNumbers = number | NestedNumbers[];

function flatten(value: NestedNumbers | ArrayLike<number>, out: number[] = []): number[] {
  if (typeof value === 'number') {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) flatten(v as NestedNumbers, out);
  } else {
    for (let i = 0; i < value.length; i++) out.push(value[i]!);
  }
  return out;
}

/** Largest relative error max|a−e| / max|e| (a norm-wise measure, robust to entries near zero). */
export function maxRelativeError(
  actual: NestedNumbers | ArrayLike<number>,
  expected: NestedNumbers | ArrayLike<number>,
): number {
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.length !== e.length)
    throw new Error(`maxRelativeError: ${a.length} actual values vs ${e.length} expected`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Element-wise closeness, numpy style: |a − e| ≤ atol + rtol·|e| for every element.
 * Reports the worst element, its index and the value counts so a failure says what went wrong.
 */
export function expectClose(
  actual: NestedNumbers | ArrayLike<number>,
  expected: NestedNumbers | ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6, label = 'values' }: CloseOptions = {},
): void {
  const a = flatten(actual);
  const e = flatten(expected);
  expect(a.length, `${label}: number of elements`).toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  let failures = 0;
  for (let i = 0; i < a.length; i++) {
    const limit = atol + rtol * Math.abs(e[i]!);
    const err = Math.abs(a[i]! - e[i]!);
    if (!(err <= limit)) {
      failures++;
      const excess = Number.isNaN(err) ? Infinity : err - limit;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (failures > 0) {
    expect.fail(
      `${label}: ${failures}/${a.length} elements differ beyond atol=${atol}, rtol=${rtol}; ` +
        `worst at flat index ${worst}: actual ${a[worst]} vs expected ${e[worst]}`,
    );
  }
  expect(failures).toBe(0);
}
