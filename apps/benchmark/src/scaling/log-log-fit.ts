/** A least-squares line through (log length, log value): value ≈ c · length^slope. */
export interface LogLogFit {
  slope: number;
  /** Natural-log intercept: log c. */
  intercept: number;
  /** Coefficient of determination of the fit in log space (1 = a perfect power law). */
  r2: number;
  /** The fit range: the smallest and largest length used, and how many points. */
  fromLength: number;
  toLength: number;
  points: number;
}

export interface LengthValue {
  length: number;
  value: number;
}

/**
 * Fits log(value) = intercept + slope · log(length) by ordinary least squares over the points whose length lies in
 * [from, to] (inclusive; defaults: all). The slope is the empirical scaling exponent: 1 = linear, 2 = quadratic.
 * Returns undefined when fewer than two distinct lengths remain (no slope is defined).
 */
export function fitLogLogSlope(
  points: readonly LengthValue[],
  range: { from?: number; to?: number } = {},
): LogLogFit | undefined {
  const from = range.from ?? 0;
  const to = range.to ?? Infinity;
  for (const p of points) {
    if (!(p.length > 0) || !(p.value > 0)) {
      throw new RangeError(
        `fitLogLogSlope: every point needs a positive length and value, got length ${p.length}, value ${p.value}`,
      );
    }
  }
  const used = points.filter((p) => p.length >= from && p.length <= to);
  if (new Set(used.map((p) => p.length)).size < 2) return undefined;
  const xs = used.map((p) => Math.log(p.length));
  const ys = used.map((p) => Math.log(p.value));
  const n = used.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX;
    const dy = ys[i]! - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residual = syy - slope * sxy;
  return {
    slope,
    intercept,
    r2: syy === 0 ? 1 : 1 - residual / syy,
    fromLength: Math.min(...used.map((p) => p.length)),
    toLength: Math.max(...used.map((p) => p.length)),
    points: n,
  };
}
