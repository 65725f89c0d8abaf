import { describe, it, expect } from 'vitest';
import { learningRateAt } from './schedule.js';

describe('learningRateAt', () => {
  it('rsqrt: linear warm-up to base/sqrt(warmup), then base/sqrt(step)', () => {
    const s = { learningRate: 0.05, warmup: 100, steps: 1000, schedule: 'rsqrt' as const };
    expect(learningRateAt(50, s)).toBeCloseTo((0.05 * 0.5) / 10, 12);
    expect(learningRateAt(100, s)).toBeCloseTo(0.05 / 10, 12);
    expect(learningRateAt(400, s)).toBeCloseTo(0.05 / 20, 12);
  });
  it('cosine: warm-up then decay to zero at the last step', () => {
    const s = { learningRate: 1e-3, warmup: 10, steps: 110, schedule: 'cosine' as const };
    expect(learningRateAt(5, s)).toBeCloseTo(5e-4, 12);
    expect(learningRateAt(10, s)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(60, s)).toBeCloseTo(5e-4, 12);
    expect(learningRateAt(110, s)).toBeCloseTo(0, 12);
  });
});
