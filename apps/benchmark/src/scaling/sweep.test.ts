import { describe, it, expect } from 'vitest';
import {
  extrapolate,
  isOutOfMemoryError,
  sweepLengths,
  TimeLimitExceeded,
  type SweepMeasurement,
} from './sweep.js';

const MiB = 2 ** 20;
const roomy = { timeLimitMs: 60_000, memoryLimitBytes: 1e12 };

/** A fake runner: linear cost, with failures injected at chosen lengths; records which lengths it was asked for. */
function fakeRunner(fail: Record<number, () => never> = {}, cost: (n: number) => SweepMeasurement = linear) {
  const asked: number[] = [];
  const run = async (length: number) => {
    asked.push(length);
    fail[length]?.();
    return cost(length);
  };
  return { asked, run };
}

function linear(n: number): SweepMeasurement {
  return { medianMs: n / 100, longestRunMs: n / 90, peakBytes: n * 1000 };
}

describe('sweepLengths', () => {
  it('runs every length in increasing order when nothing fails', async () => {
    const { asked, run } = fakeRunner();
    const out = await sweepLengths([512, 256, 1024], run, roomy);
    expect(asked).toEqual([256, 512, 1024]);
    expect(out.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(out[2]!.measurement!.medianMs).toBe(10.24);
  });

  it('records an out-of-memory error and skips every larger length without running it', async () => {
    const { asked, run } = fakeRunner({
      1024: () => {
        throw new RangeError('Array buffer allocation failed');
      },
    });
    const out = await sweepLengths([256, 512, 1024, 2048, 4096], run, roomy);
    expect(asked).toEqual([256, 512, 1024]);
    expect(out.map((o) => o.status)).toEqual(['ok', 'ok', 'out-of-memory', 'skipped', 'skipped']);
    expect(out[2]!.predicted).toBeUndefined();
    expect(out[3]!.message).toMatch(/ran out of memory/);
  });

  it('a runner that throws TimeLimitExceeded is recorded as time-limit and stops the series', async () => {
    const { asked, run } = fakeRunner({
      512: () => {
        throw new TimeLimitExceeded(9000, 5000);
      },
    });
    const out = await sweepLengths([256, 512, 1024], run, roomy);
    expect(asked).toEqual([256, 512]);
    expect(out.map((o) => o.status)).toEqual(['ok', 'time-limit', 'skipped']);
    expect(out[1]!.message).toMatch(/9\.0 s, over the time limit of 5\.0 s/);
  });

  it('a finished run longer than the time limit keeps its measurement but stops the series', async () => {
    const { asked, run } = fakeRunner({}, (n) => ({ medianMs: n, longestRunMs: n, peakBytes: n }));
    const out = await sweepLengths([100, 200, 300, 400], run, { timeLimitMs: 250, memoryLimitBytes: 1e12 });
    expect(asked).toEqual([100, 200, 300]);
    expect(out.map((o) => o.status)).toEqual(['ok', 'ok', 'time-limit', 'skipped']);
    expect(out[2]!.measurement!.medianMs).toBe(300);
  });

  it('predicts from the buffers (each counted once) where the backend reports them, not from tensor handles', async () => {
    // Handles count views twice: 2 MiB at 256, 4 MiB at 512 → 8 MiB at 1024, over a 6 MiB limit; the buffers the
    // heap really holds (1 MiB of weights and inputs + half the handles' bytes) predict 1 + 4 = 5 MiB: it runs.
    const { asked, run } = fakeRunner({}, (n) => ({
      medianMs: 1,
      longestRunMs: 1,
      peakBytes: (n / 128) * MiB,
      baselineBytes: (n / 1024) * MiB,
      peakStepBufferBytes: (n / 256) * MiB,
    }));
    const out = await sweepLengths([256, 512, 1024], run, { timeLimitMs: 60_000, memoryLimitBytes: 6 * MiB });
    expect(asked).toEqual([256, 512, 1024]);
    expect(out.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    // Over the limit by the buffers too: predicted, not run, and the message says which bytes.
    const tight = await sweepLengths([256, 512, 1024], run, {
      timeLimitMs: 60_000,
      memoryLimitBytes: 4 * MiB,
    });
    expect(tight.map((o) => o.status)).toEqual(['ok', 'ok', 'out-of-memory']);
    expect(tight[2]!.message).toMatch(/predicted peak memory \(buffers, each counted once\) 5 MiB/);
  });

  it('predicts out-of-memory from the smaller lengths and does not attempt the run', async () => {
    // Quadratic memory: 1 MiB at 256, 4 MiB at 512 → 16 MiB predicted at 1024, over a 10 MiB limit.
    const { asked, run } = fakeRunner({}, (n) => ({
      medianMs: 1,
      longestRunMs: 1,
      peakBytes: (n / 256) ** 2 * MiB,
    }));
    const out = await sweepLengths([256, 512, 1024, 2048], run, {
      timeLimitMs: 60_000,
      memoryLimitBytes: 10 * MiB,
    });
    expect(asked).toEqual([256, 512]);
    expect(out.map((o) => [o.status, o.predicted])).toEqual([
      ['ok', undefined],
      ['ok', undefined],
      ['out-of-memory', true],
      ['skipped', undefined],
    ]);
    expect(out[2]!.message).toMatch(/predicted peak tensor memory 16 MiB exceeds the limit of 10 MiB/);
  });

  it('predicts a run over twice the time limit and does not attempt it', async () => {
    const { asked, run } = fakeRunner({}, (n) => ({ medianMs: n, longestRunMs: n, peakBytes: 1 }));
    const out = await sweepLengths([100, 200, 1000], run, { timeLimitMs: 300, memoryLimitBytes: 1e12 });
    expect(asked).toEqual([100, 200]);
    expect(out[2]).toMatchObject({ status: 'time-limit', predicted: true });
  });

  it('any other error is recorded as error and ends the series', async () => {
    const { run } = fakeRunner({
      256: () => {
        throw new Error('kernel Foo not registered');
      },
    });
    const out = await sweepLengths([256, 512], run, roomy);
    expect(out.map((o) => o.status)).toEqual(['error', 'skipped']);
    expect(out[0]!.message).toBe('kernel Foo not registered');
  });
});

describe('isOutOfMemoryError / extrapolate', () => {
  it('recognises the wasm and V8 out-of-memory messages, and not others', () => {
    expect(isOutOfMemoryError(new Error('RuntimeError: memory access out of bounds'))).toBe(true);
    expect(isOutOfMemoryError(new RangeError('Invalid typed array length: 4294967296'))).toBe(true);
    expect(isOutOfMemoryError(new Error('Cannot enlarge memory arrays'))).toBe(true);
    expect(isOutOfMemoryError(new Error('shapes do not match'))).toBe(false);
  });

  it('extends the local power law of the last two points, never below linear', () => {
    expect(
      extrapolate(
        [
          { length: 1, value: 1 },
          { length: 2, value: 4 },
        ],
        4,
      ),
    ).toBeCloseTo(16, 10);
    expect(
      extrapolate(
        [
          { length: 1, value: 5 },
          { length: 2, value: 5 },
        ],
        4,
      ),
    ).toBeCloseTo(10, 10);
    expect(extrapolate([{ length: 1, value: 5 }], 4)).toBeUndefined();
  });
});
