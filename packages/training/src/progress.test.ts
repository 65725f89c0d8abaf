import { describe, it, expect } from 'vitest';
import { formatDuration, formatProgress, type ProgressState } from './progress.js';

const state: ProgressState = {
  step: 50,
  totalSteps: 100,
  loss: 1.23456,
  accuracy: 0.5,
  tokensPerSecond: 12345.6,
  elapsedSeconds: 100,
  stepsThisSession: 10,
  sessionSeconds: 20,
};

describe('progress', () => {
  it('formats durations', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });

  it('shows a bar, step, loss, accuracy, tokens/s, elapsed and an ETA from this session’s pace', () => {
    const line = formatProgress(state, 90);
    expect(line).toMatch(/^█+░+ step 50\/100 loss 1\.2346 acc 50\.0% 12,346 tok\/s elapsed 1:40 ETA 1:40$/);
    const bar = line.split(' ')[0]!;
    expect(bar.length).toBe(90 - line.length + bar.length); // the bar takes the room left, whole line = 90 wide
    expect(Math.abs([...bar].filter((c) => c === '█').length - bar.length / 2)).toBeLessThanOrEqual(0.5);
  });

  it('fits any width and always keeps the ETA (an 80-column terminal used to cut it off)', () => {
    const withWorkers = { ...state, replicaTokensPerSecond: [6200, 6145.6] };
    for (const width of [200, 120, 100, 80, 60, 45, 30, 16]) {
      const line = formatProgress(withWorkers, width);
      expect(line.length, `width ${width}: ${line}`).toBeLessThanOrEqual(width);
      expect(line, `width ${width}`).toMatch(/ETA 1:40$/);
      expect(line, `width ${width}`).toMatch(/50\/100/);
    }
    expect(formatProgress(withWorkers, 200)).toMatch(/workers 6,200\|6,146 tok\/s/);
    expect(formatProgress(withWorkers, 80)).toMatch(/ step 50\/100 loss 1\.2346 acc 50\.0% .*ETA 1:40$/);
  });

  it('leaves the session’s first step (kernel compilation) out of the pace once later steps exist', () => {
    // 10 steps in 20 s, the first of them 11 s: 1 s a step after it, so 50 steps left take 50 s, not 1:40.
    expect(formatProgress({ ...state, firstStepSeconds: 11 }, 200)).toMatch(/ETA 0:50$/);
    // A session of one step has only that step to go by.
    const one = { ...state, stepsThisSession: 1, sessionSeconds: 11, firstStepSeconds: 11 };
    expect(formatProgress(one, 200)).toMatch(/ETA 9:10$/);
    expect(formatProgress({ ...state, stepsThisSession: 0, sessionSeconds: 0 }, 200)).toMatch(/ETA --:--$/);
    // A first step said to end after the session's time (a caller's clock error) falls back to the mean of all steps.
    expect(formatProgress({ ...state, firstStepSeconds: 25 }, 200)).toMatch(/ETA 1:40$/);
  });
});
