import { describe, it, expect } from 'vitest';
import { formatDuration, formatProgress } from './progress.js';

describe('progress', () => {
  it('formats durations', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
  it('shows step, loss, accuracy, tokens/s and an ETA from this session’s pace', () => {
    const line = formatProgress(
      {
        step: 50,
        totalSteps: 100,
        loss: 1.23456,
        accuracy: 0.5,
        tokensPerSecond: 12345.6,
        elapsedSeconds: 100,
        stepsThisSession: 10,
        sessionSeconds: 20,
      },
      10,
    );
    expect(line).toBe('█████░░░░░ step 50/100 loss 1.2346 acc 50.0% 12,346 tok/s elapsed 1:40 ETA 1:40');
  });
});
