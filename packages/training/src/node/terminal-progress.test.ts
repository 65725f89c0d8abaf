import { describe, it, expect } from 'vitest';
import { TerminalProgress } from './terminal-progress.js';
import type { ProgressState } from '../progress.js';

function fakeStream(isTTY: boolean, columns: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => writes.push(s) } as never };
}

const state = (step: number): ProgressState => ({
  step,
  totalSteps: 400,
  loss: 0.5,
  accuracy: 0.75,
  tokensPerSecond: 20480,
  replicaTokensPerSecond: [10240, 10240],
  elapsedSeconds: step,
  stepsThisSession: step,
  sessionSeconds: step,
});

describe('TerminalProgress', () => {
  it('rewrites one line no wider than an 80-column terminal, keeping the ETA', () => {
    const { writes, stream } = fakeStream(true, 80);
    const p = new TerminalProgress(stream);
    p.progress(state(100), false);
    p.line('  validation @ step 100: ...');
    p.progress(state(400), true);
    const lines = writes
      .join('')
      .split(/\r|\n/)
      .map((l) => l.replace('\x1b[K', ''))
      .filter(Boolean);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(79);
    expect(lines[0]).toMatch(/step 100\/400 .*ETA 5:00$/);
    expect(lines).toContain('  validation @ step 100: ...');
    expect(writes.join('').endsWith('ETA 0:00\x1b[K\n')).toBe(true);
  });

  it('prints whole lines at most every N seconds on a pipe, and always the last', () => {
    const { writes, stream } = fakeStream(false, 0);
    const p = new TerminalProgress(stream, 3600);
    p.progress(state(1), false);
    p.progress(state(2), false);
    p.progress(state(400), true);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/step 400\/400 .*\n$/);
  });
});
