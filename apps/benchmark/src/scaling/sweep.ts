import { fitLogLogSlope } from './log-log-fit.js';

export type LengthStatus = 'ok' | 'out-of-memory' | 'time-limit' | 'error' | 'skipped';

/** What a sweep needs to know about one successful measurement. */
export interface SweepMeasurement {
  /** The longest single run observed at this length (ms), warm-up included. */
  longestRunMs: number;
  /** Median time of one run (ms). */
  medianMs: number;
  /** Peak tensor bytes during one run (every tensor handle counted, so views of one buffer count twice). */
  peakBytes: number;
  /** Tensor bytes alive before the step (weights, inputs). */
  baselineBytes?: number;
  /** wasm: the peak of the buffers the step itself allocated, each counted once (see `peakStepBufferBytes`). */
  peakStepBufferBytes?: number;
}

/**
 * The memory a length is predicted from and checked against the limit: where the backend reports its buffers (wasm),
 * the bytes before the step plus the step's own buffers, each counted once — what the heap must hold; elsewhere the
 * tensor handles' bytes. Handles overstate a step that reshapes or slices much (a view shares its buffer): about 2×
 * for the chunked linear attentions, whose 65,536-token step fits the heap while its handle count predicted it would not.
 */
export function memoryOf(m: SweepMeasurement): number {
  return countsBuffers(m) ? m.baselineBytes! + m.peakStepBufferBytes! : m.peakBytes;
}

/** Whether the backend reported this measurement's buffers (wasm), so `memoryOf` counts each buffer once. */
function countsBuffers(m: SweepMeasurement): boolean {
  return m.peakStepBufferBytes !== undefined && m.baselineBytes !== undefined;
}

export interface LengthOutcome<M extends SweepMeasurement> {
  length: number;
  status: LengthStatus;
  /** True when the status was predicted from the smaller lengths instead of observed (the run was not attempted). */
  predicted?: boolean;
  /** Why the length did not produce a measurement (or why a measured run still hit the time limit). */
  message?: string;
  /** Present for `ok`, and for a `time-limit` whose single run finished but took too long. */
  measurement?: M;
}

/** Thrown by a runner whose single run went over the time limit (the run is abandoned). */
export class TimeLimitExceeded extends Error {
  constructor(
    readonly elapsedMs: number,
    readonly limitMs: number,
  ) {
    super(
      `a single run took ${(elapsedMs / 1000).toFixed(1)} s, over the time limit of ${(limitMs / 1000).toFixed(1)} s`,
    );
    this.name = 'TimeLimitExceeded';
  }
}

const OUT_OF_MEMORY =
  /out of memory|cannot enlarge memory|array buffer allocation failed|invalid (typed )?array length|memory access out of bounds|allocation failed|OOM/i;

/** Whether an error thrown by a backend means it ran out of memory (wasm heap, JS array buffers, native OOM). */
export function isOutOfMemoryError(err: unknown): boolean {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return OUT_OF_MEMORY.test(text);
}

export interface SweepLimits {
  /** A single run longer than this stops the sweep (ms). */
  timeLimitMs: number;
  /** Peak tensor memory above this is treated as out of memory without attempting the run (bytes). */
  memoryLimitBytes: number;
}

/**
 * Extrapolates a quantity to `length` from the two largest measured lengths with their local power law
 * (never assuming better than linear growth, so the prediction errs towards caution).
 */
export function extrapolate(
  measured: readonly { length: number; value: number }[],
  length: number,
): number | undefined {
  if (measured.length < 2) return undefined;
  const lastTwo = measured.slice(-2);
  const fit = fitLogLogSlope(lastTwo);
  if (!fit) return undefined;
  const last = lastTwo[1]!;
  return last.value * (length / last.length) ** Math.max(fit.slope, 1);
}

/**
 * Runs one series over increasing lengths. The first length that runs out of memory, exceeds the time limit or
 * fails ends the series: every larger length is recorded as `skipped` (they would only be worse).
 *
 * Before each run the peak memory and run time are extrapolated from the smaller lengths; a length predicted to
 * exceed the memory limit is recorded as `out-of-memory` (predicted) without running it, because on the wasm backend
 * a real out-of-memory corrupts the heap for every later measurement in the process. A length predicted to take
 * more than twice the time limit is likewise recorded as `time-limit` (predicted). Predictions are marked so.
 */
export async function sweepLengths<M extends SweepMeasurement>(
  lengths: readonly number[],
  run: (length: number) => Promise<M>,
  limits: SweepLimits,
  log: (line: string) => void = () => {},
): Promise<LengthOutcome<M>[]> {
  const sorted = [...lengths].sort((a, b) => a - b);
  const outcomes: LengthOutcome<M>[] = [];
  let stoppedBy: string | undefined;
  for (const length of sorted) {
    if (stoppedBy !== undefined) {
      outcomes.push({ length, status: 'skipped', message: `skipped: a smaller length ${stoppedBy}` });
      continue;
    }
    const ok = outcomes.filter((o) => o.status === 'ok').map((o) => o.measurement!);
    const okLengths = outcomes.filter((o) => o.status === 'ok').map((o) => o.length);
    const predictedBytes = extrapolate(
      ok.map((m, i) => ({ length: okLengths[i]!, value: memoryOf(m) })),
      length,
    );
    if (predictedBytes !== undefined && predictedBytes > limits.memoryLimitBytes) {
      const what = ok.every(countsBuffers) ? 'memory (buffers, each counted once)' : 'tensor memory';
      const message =
        `predicted peak ${what} ${mib(predictedBytes)} MiB exceeds the limit of ` +
        `${mib(limits.memoryLimitBytes)} MiB (extrapolated from ${okLengths.slice(-2).join(' and ')} tokens); not run`;
      outcomes.push({ length, status: 'out-of-memory', predicted: true, message });
      log(`    ${length}: out of memory (predicted) — ${message}`);
      stoppedBy = 'ran out of memory (predicted)';
      continue;
    }
    const predictedMs = extrapolate(
      ok.map((m, i) => ({ length: okLengths[i]!, value: m.medianMs })),
      length,
    );
    if (predictedMs !== undefined && predictedMs > 2 * limits.timeLimitMs) {
      const message =
        `predicted single run ${(predictedMs / 1000).toFixed(1)} s is over twice the time limit of ` +
        `${(limits.timeLimitMs / 1000).toFixed(1)} s; not run`;
      outcomes.push({ length, status: 'time-limit', predicted: true, message });
      log(`    ${length}: time limit (predicted) — ${message}`);
      stoppedBy = 'hit the time limit (predicted)';
      continue;
    }
    try {
      const measurement = await run(length);
      if (measurement.longestRunMs > limits.timeLimitMs) {
        const message = new TimeLimitExceeded(measurement.longestRunMs, limits.timeLimitMs).message;
        outcomes.push({ length, status: 'time-limit', message, measurement });
        stoppedBy = 'hit the time limit';
      } else {
        outcomes.push({ length, status: 'ok', measurement });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof TimeLimitExceeded) {
        outcomes.push({ length, status: 'time-limit', message });
        stoppedBy = 'hit the time limit';
      } else if (isOutOfMemoryError(err)) {
        outcomes.push({ length, status: 'out-of-memory', message });
        stoppedBy = 'ran out of memory';
      } else {
        outcomes.push({ length, status: 'error', message });
        stoppedBy = `failed (${message})`;
      }
      log(`    ${length}: ${outcomes.at(-1)!.status} — ${message}`);
    }
  }
  return outcomes;
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
