import { describe, it, expect } from 'vitest';
import { fitLogLogSlope } from './log-log-fit.js';

const lengths = [256, 512, 1024, 2048, 4096, 8192, 16384];

describe('fitLogLogSlope', () => {
  it('recovers the exponent and constant of an exact power law', () => {
    for (const exponent of [1, 2, 0.5, 1.37]) {
      const fit = fitLogLogSlope(lengths.map((length) => ({ length, value: 3e-4 * length ** exponent })))!;
      expect(fit.slope).toBeCloseTo(exponent, 10);
      expect(fit.intercept).toBeCloseTo(Math.log(3e-4), 8);
      expect(fit.r2).toBeCloseTo(1, 10);
      expect(fit).toMatchObject({ fromLength: 256, toLength: 16384, points: 7 });
    }
  });

  it('with multiplicative noise of known sign pattern the slope stays near the true exponent', () => {
    // ±5 % alternating noise: the log-space residuals average out, so the slope error is small but not zero.
    const points = lengths.map((length, i) => ({ length, value: length ** 2 * (i % 2 ? 1.05 : 0.95) }));
    const fit = fitLogLogSlope(points)!;
    expect(Math.abs(fit.slope - 2)).toBeLessThan(0.02);
    expect(fit.r2).toBeGreaterThan(0.99);
    expect(fit.r2).toBeLessThan(1);
  });

  it('fits only inside the requested range and reports it', () => {
    // Constant overhead below 1024 then linear: the restricted fit sees only the linear part.
    const points = lengths.map((length) => ({ length, value: length < 1024 ? 10 : length / 100 }));
    const fit = fitLogLogSlope(points, { from: 1024, to: 16384 })!;
    expect(fit.slope).toBeCloseTo(1, 10);
    expect(fit).toMatchObject({ fromLength: 1024, toLength: 16384, points: 5 });
    expect(fitLogLogSlope(points)!.slope).toBeLessThan(1);
  });

  it('is undefined with fewer than two distinct lengths', () => {
    expect(fitLogLogSlope([{ length: 512, value: 3 }])).toBeUndefined();
    expect(fitLogLogSlope([{ length: 512, value: 3 }], { from: 1024 })).toBeUndefined();
  });

  it('rejects non-positive values with a message', () => {
    expect(() => fitLogLogSlope([{ length: 512, value: 0 }])).toThrow(
      /positive length and value, got length 512, value 0/,
    );
  });
});
