import * as tf from '@tensorflow/tfjs-core';
import { countWasmBuffers } from '@tost/backend';
import { summariseSamples, type TimingSummary } from './statistics.js';
import { TimeLimitExceeded, type SweepMeasurement } from './sweep.js';

/** One unit of work: returns every tensor it produced; the caller awaits their data and disposes them. */
export type Step = () => tf.Tensor | tf.Tensor[];

export interface StepMeasurement extends SweepMeasurement {
  time: TimingSummary;
  /** Tensor bytes alive before the step (weights and inputs). */
  baselineBytes: number;
  /** Peak of all live tensor bytes during one step (`tf.profile`), weights and inputs included. */
  peakBytes: number;
  /** peakBytes − baselineBytes: what the step itself allocates at its peak. */
  peakStepBytes: number;
  /** Size of the wasm module's heap after the step (wasm backend only; it only grows). */
  wasmHeapBytes?: number;
  /**
   * wasm only: peak bytes of tensor buffers the step itself allocated and still held (each buffer once, however many
   * tensors share it). `peakStepBytes` counts tensor handles: a reshape or a shared clone counts again there.
   */
  peakStepBufferBytes?: number;
  /** Floating-point operations of one step, where the workload knows them. */
  flops?: number;
}

export interface RepeatOptions {
  warmup: number;
  repeats: number;
  /** A single run over this aborts the measurement with TimeLimitExceeded (ms). */
  timeLimitMs: number;
  /** Stop repeating once the timed runs have used this much time and at least `minRepeats` were taken (ms). */
  budgetMs?: number;
  minRepeats?: number;
}

/**
 * Runs the step once, awaiting every output's data so asynchronous backends are timed to completion, then disposes
 * the outputs. Returns the wall time in ms.
 */
export async function timeStepOnce(step: Step): Promise<number> {
  const start = performance.now();
  const out = step();
  const list = Array.isArray(out) ? out : [out];
  await Promise.all(list.map((t) => t.data()));
  const elapsed = performance.now() - start;
  tf.dispose(list);
  return elapsed;
}

/** The part of tfjs-core's engine that `tf.profile` uses (tfjs-core 4.22 `Engine.state`). */
interface ProfilingEngine {
  state: { profiling: boolean; activeProfile: { kernels: { totalBytesSnapshot: number }[] } };
}

/**
 * Peak tensor bytes during one (untimed) run of the step: the engine's profiler records the live bytes after every
 * kernel, and the maximum is taken here in a loop. Not `tf.profile`: tfjs-core 4.22 takes that maximum as
 * `Math.max(...kernels)`, one argument per kernel, which throws "Maximum call stack size exceeded" once a step runs
 * more than ~10⁵ kernels (a chunked core looping over 65,536 tokens did).
 */
export async function peakTensorBytes(step: Step): Promise<{ baselineBytes: number; peakBytes: number }> {
  const baselineBytes = tf.memory().numBytes;
  const engine = tf.engine() as unknown as ProfilingEngine;
  const profile = engine.state.activeProfile;
  const wasProfiling = engine.state.profiling;
  profile.kernels = [];
  engine.state.profiling = true;
  let result: unknown;
  try {
    result = await step();
  } finally {
    engine.state.profiling = wasProfiling;
  }
  tf.dispose(result as tf.Tensor | tf.Tensor[]);
  // A step that ran no kernel allocated nothing.
  let peakBytes = baselineBytes;
  for (const kernel of profile.kernels) peakBytes = Math.max(peakBytes, kernel.totalBytesSnapshot);
  profile.kernels = [];
  return { baselineBytes, peakBytes };
}

/**
 * wasm only: runs the step once while counting the tensor buffers the backend allocates and frees (its `_malloc` /
 * `_free`, `countWasmBuffers` of @tost/backend), and returns the peak of the bytes allocated during the step and not yet freed. Buffers
 * that existed before the step (weights, inputs) are not counted. Undefined on other backends.
 */
export async function peakStepBufferBytes(step: Step): Promise<number | undefined> {
  if (tf.getBackend() !== 'wasm') return undefined;
  const counter = countWasmBuffers();
  try {
    const out = step();
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  } finally {
    counter.stop();
  }
  return counter.peak();
}

/** The wasm backend's heap size in bytes, or undefined on other backends. */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength;
}

/**
 * Warm-up runs, then timed repeats (median and spread), then one profiled run for peak memory.
 * Any single run over the time limit throws TimeLimitExceeded at once.
 */
export async function measureStep(
  step: Step,
  options: RepeatOptions,
  flops?: number,
): Promise<StepMeasurement> {
  let longestRunMs = 0;
  const timed = async () => {
    const ms = await timeStepOnce(step);
    longestRunMs = Math.max(longestRunMs, ms);
    if (ms > options.timeLimitMs) throw new TimeLimitExceeded(ms, options.timeLimitMs);
    return ms;
  };
  for (let i = 0; i < options.warmup; i++) await timed();
  const samples: number[] = [];
  const minRepeats = Math.min(options.minRepeats ?? 3, options.repeats);
  let spent = 0;
  for (let i = 0; i < options.repeats; i++) {
    const ms = await timed();
    samples.push(ms);
    spent += ms;
    if (options.budgetMs !== undefined && spent >= options.budgetMs && samples.length >= minRepeats) break;
  }
  const { baselineBytes, peakBytes } = await peakTensorBytes(step);
  const bufferBytes = await peakStepBufferBytes(step);
  const time = summariseSamples(samples);
  return {
    time,
    medianMs: time.median,
    longestRunMs,
    baselineBytes,
    peakBytes,
    peakStepBytes: peakBytes - baselineBytes,
    wasmHeapBytes: wasmHeapBytes(),
    ...(bufferBytes !== undefined ? { peakStepBufferBytes: bufferBytes } : {}),
    ...(flops !== undefined ? { flops } : {}),
  };
}

/**
 * A measurement of a step that runs `layers` attention layers (a hybrid's blocks), reported per layer: every time,
 * tensor byte count and FLOP count divided by `layers` — the mean over the layers. The wasm heap size, a property of
 * the process, stays as measured. `layers` = 1 returns `m` unchanged.
 */
export function perLayer(m: StepMeasurement, layers: number): StepMeasurement {
  if (layers === 1) return m;
  const each = (value: number) => value / layers;
  const { time } = m;
  return {
    ...m,
    time: {
      median: each(time.median),
      min: each(time.min),
      max: each(time.max),
      q1: each(time.q1),
      q3: each(time.q3),
      samples: time.samples.map(each),
    },
    medianMs: each(m.medianMs),
    longestRunMs: each(m.longestRunMs),
    baselineBytes: each(m.baselineBytes),
    peakBytes: each(m.peakBytes),
    peakStepBytes: each(m.peakStepBytes),
    ...(m.peakStepBufferBytes !== undefined ? { peakStepBufferBytes: each(m.peakStepBufferBytes) } : {}),
    ...(m.flops !== undefined ? { flops: each(m.flops) } : {}),
  };
}
