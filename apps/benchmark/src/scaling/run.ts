import * as tf from '@tensorflow/tfjs-core';
import { measureStreamingDecoding } from './decoding.js';
import { getAttentionDescriptor } from '../variants.js';
import { isHybrid, parseVariant } from '../variant-names.js';
import { captureEnvironment, finishEnvironment } from './environment.js';
import { computeHeadlines } from './headlines.js';
import { fitLogLogSlope } from './log-log-fit.js';
import { measureStep, perLayer, type StepMeasurement } from './measure.js';
import { okLengths, type ScalingResult, type ScalingSettings, type SeriesResult } from './scaling-result.js';
import { sweepLengths } from './sweep.js';
import {
  attentionWorkload,
  matMulCoreWorkload,
  projectionsWorkload,
  softmaxCoreWorkload,
  type Workload,
  type WorkloadShape,
} from './workloads.js';

export interface ScalingRunOptions extends ScalingSettings {
  /**
   * Measure two dim×dim projections alone (the floor of TSSA's cost; q/k/v variants have twice as many). Default:
   * when a linear-complexity attention is among the attentions.
   */
  projections?: boolean;
  /**
   * Measure the softmax core and the plain matMul reference. Default: when an attention of the 'softmax' family is
   * among the attentions.
   */
  softmaxCore?: boolean;
  /** Stop repeating a length once its timed runs have used this much time (seconds), after 3 runs. */
  budgetSeconds?: number;
  log?: (line: string) => void;
}

/** The workloads of one run, in order: attention variants, then the reference series the targets need. */
function workloadsFor(options: ScalingRunOptions, shape: WorkloadShape): (() => Workload)[] {
  const maxLength = Math.max(...options.lengths);
  const list: (() => Workload)[] = options.attentions.map(
    (name) => () => attentionWorkload(name, shape, maxLength),
  );
  const descriptors = options.attentions.flatMap((name) => parseVariant(name)).map(getAttentionDescriptor);
  if (options.projections ?? descriptors.some((d) => d.complexity === 'linear')) {
    list.push(() => projectionsWorkload(shape));
  }
  if (options.softmaxCore ?? descriptors.some((d) => d.family === 'softmax')) {
    list.push(
      () => softmaxCoreWorkload(shape),
      () => matMulCoreWorkload(shape),
    );
  }
  return list;
}

/** Least-squares log-log slopes of median time and step peak memory over every length that ran. */
export function fitSeries(series: SeriesResult): SeriesResult {
  const ok = okLengths(series);
  const timeSlope = fitLogLogSlope(ok.map((o) => ({ length: o.length, value: o.measurement!.medianMs })));
  const memorySlope = fitLogLogSlope(
    ok
      .filter((o) => o.measurement!.peakStepBytes > 0)
      .map((o) => ({ length: o.length, value: o.measurement!.peakStepBytes })),
  );
  return {
    ...series,
    ...(timeSlope ? { timeSlope } : {}),
    ...(memorySlope ? { memorySlope } : {}),
  };
}

/**
 * Lets a caller resume a series: `cached` answers a length measured before (it is not run again), `measured` hears
 * of every new measurement, and `starting` is called before each length runs (progress lines).
 */
export interface SeriesHooks {
  cached?: (length: number) => StepMeasurement | undefined;
  starting?: (length: number) => void;
  measured?: (length: number, measurement: StepMeasurement, seconds: number) => void;
}

/** One measured series: every length through `sweepLengths` (OOM / time limit end the series). */
export async function runSeries(
  makeWorkload: () => Workload,
  options: ScalingRunOptions,
  log: (line: string) => void,
  hooks: SeriesHooks = {},
): Promise<SeriesResult> {
  const workload = makeWorkload();
  const layers = workload.layers ?? 1;
  log(`  ${workload.name}: ${workload.description}`);
  try {
    const lengths = await sweepLengths(
      options.lengths,
      async (length) => {
        const cached = hooks.cached?.(length);
        if (cached) return cached;
        hooks.starting?.(length);
        const started = performance.now();
        const prepared = workload.prepare(length);
        try {
          const step = await measureStep(
            prepared.step,
            {
              warmup: options.warmup,
              repeats: options.repeats,
              timeLimitMs: options.timeLimitSeconds * 1000,
              ...(options.budgetSeconds !== undefined ? { budgetMs: options.budgetSeconds * 1000 } : {}),
            },
            prepared.flops,
          );
          const m = perLayer(step, layers);
          log(
            `    ${length}: ${m.time.median.toFixed(2)} ms (min ${m.time.min.toFixed(2)}, max ` +
              `${m.time.max.toFixed(2)}, ${m.time.samples.length} runs), peak ${(m.peakBytes / 2 ** 20).toFixed(1)} MiB`,
          );
          hooks.measured?.(length, m, (performance.now() - started) / 1000);
          return m;
        } finally {
          prepared.dispose();
        }
      },
      // Measurements are per layer: so are the limits the sweep predicts against (the same as the step's own).
      {
        timeLimitMs: (options.timeLimitSeconds * 1000) / layers,
        memoryLimitBytes: options.memoryLimitBytes / layers,
      },
      log,
    );
    return fitSeries({
      name: workload.name,
      kind: workload.kind,
      description: workload.description,
      lengths,
    });
  } finally {
    workload.dispose();
  }
}

/** The settings recorded in the result (the run options without the callbacks and switches). */
function settingsOf(o: ScalingRunOptions): ScalingSettings {
  return {
    mode: o.mode,
    attentions: o.attentions,
    lengths: [...o.lengths].sort((a, b) => a - b),
    dim: o.dim,
    heads: o.heads,
    batch: o.batch,
    warmup: o.warmup,
    repeats: o.repeats,
    timeLimitSeconds: o.timeLimitSeconds,
    memoryLimitBytes: o.memoryLimitBytes,
    decodePositions: o.decodePositions,
  };
}

/**
 * The whole scaling run on the current tfjs backend: every series over every length, the causal decoding latency
 * (when causal-tssa is among the attentions and positions are given), the log-log fits and the target headlines.
 * Checks that no tensor outlives a series.
 */
export async function runScalingBenchmark(options: ScalingRunOptions): Promise<ScalingResult> {
  const log = options.log ?? (() => {});
  if (options.dim % options.heads !== 0) {
    throw new RangeError(`scaling: --dim (${options.dim}) must be divisible by --heads (${options.heads})`);
  }
  let environment = captureEnvironment();
  const shape: WorkloadShape = {
    dim: options.dim,
    heads: options.heads,
    batch: options.batch,
    mode: options.mode,
  };
  const series: SeriesResult[] = [];
  for (const make of workloadsFor(options, shape)) {
    const before = tf.memory().numTensors;
    series.push(await runSeries(make, options, log));
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) log(`  warning: ${leaked} tensors outlived the series ${series.at(-1)!.name}`);
  }
  const result: ScalingResult = {
    format: 'tost-scaling-1',
    settings: settingsOf(options),
    environment,
    series,
    headlines: [],
  };
  // Decoding is compared per attention layer: hybrids (a stack of two) are left out.
  const streaming = options.attentions.filter(
    (name) => !isHybrid(name) && getAttentionDescriptor(name).streaming,
  );
  if (streaming.length > 0 && options.decodePositions.length > 0) {
    result.decoding = [];
    for (const attention of streaming) {
      log(`  ${attention} decoding: streaming step vs re-running the prefix`);
      try {
        result.decoding.push(
          ...(await measureStreamingDecoding({
            attention,
            dim: options.dim,
            heads: options.heads,
            batch: options.batch,
            positions: options.decodePositions,
            warmup: Math.max(options.warmup, 2),
            repeats: Math.max(options.repeats, 5),
            log,
          })),
        );
      } catch (err) {
        const message = `${attention}: ${err instanceof Error ? err.message : String(err)}`;
        result.decodingError = result.decodingError ? `${result.decodingError}; ${message}` : message;
        log(`    decoding failed: ${message}`);
      }
    }
  }
  environment = finishEnvironment(environment);
  result.environment = environment;
  result.headlines = computeHeadlines(result);
  return result;
}
