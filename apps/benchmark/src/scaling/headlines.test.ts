import { describe, it, expect } from 'vitest';
import { computeHeadlines } from './headlines.js';
import { syntheticScalingResult } from './synthetic-result.js';

describe('computeHeadlines (synthetic power laws)', () => {
  const headlines = computeHeadlines(syntheticScalingResult());
  const find = (text: string) => headlines.find((h) => h.label.includes(text))!;

  it('fits TSSA slopes over 1,024–16,384 from the lengths that ran', () => {
    expect(find('time slope')).toMatchObject({ target: '≤ 1.1', met: true });
    expect(find('time slope').measured).toMatch(/^1\.000 \(fit 1024–4096, 3 points\)/);
    expect(find('peak-memory slope').met).toBe(true);
  });

  it('softmax predicted out of memory at 4,096 counts as "softmax cannot run"', () => {
    expect(find('time at 4,096')).toMatchObject({ met: true });
    expect(find('time at 4,096').measured).toMatch(/softmax could not run: out-of-memory \(predicted\)/);
    expect(find('peak tensor memory at 4,096')).toMatchObject({ met: null });
  });

  it('reports the longest length each variant reached and what stopped it', () => {
    expect(find('longest length softmax')).toMatchObject({
      measured: '2,048; 4,096: out-of-memory (predicted)',
      met: null,
    });
    expect(find('longest length tssa').measured).toBe('4,096 (every length ran)');
  });

  it('a comparison at an unmeasured length has no verdict', () => {
    expect(find('time at 8,192')).toMatchObject({ met: null });
  });
});
