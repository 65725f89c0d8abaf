import type { DecodingMeasurement } from './decoding.js';
import type { LogLogFit } from './log-log-fit.js';
import type { StepMeasurement } from './measure.js';
import type { LengthOutcome } from './sweep.js';
import type { ScalingMode, SeriesKind } from './workloads.js';

/** The shape and limits of a train-step (or forward) sweep over lengths: what `scaling` and `compare` both measure. */
export interface SweepSettings {
  /** Sequence lengths (tokens). */
  lengths: number[];
  /** Model width and attention heads (heads divide dim). */
  dim: number;
  heads: number;
  batch: number;
  /** Untimed and timed runs per length. */
  warmup: number;
  repeats: number;
  /** A run longer than this ends the variant's sweep; one predicted to take over twice as long is not run. */
  timeLimitSeconds: number;
  /** A length whose predicted peak tensor memory exceeds this is not run (recorded as out of memory). */
  memoryLimitBytes: number;
}

export interface ScalingSettings extends SweepSettings {
  mode: ScalingMode;
  attentions: string[];
  decodePositions: number[];
}

export interface ScalingEnvironment {
  backend: string;
  versions: Record<string, string>;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  platform: string;
  /** 1-minute load averages at the start and the end of the run (other processes make timings noisy). */
  loadAverageStart: number;
  loadAverageEnd: number;
  wasmSimd?: boolean;
  wasmThreads?: boolean;
  startedAt: string;
  finishedAt: string;
}

export interface SeriesResult {
  name: string;
  kind: SeriesKind;
  description: string;
  lengths: LengthOutcome<StepMeasurement>[];
  /** log-log slope of median time over every length that ran. */
  timeSlope?: LogLogFit;
  /** log-log slope of the step's peak tensor bytes (peak − baseline) over every length that ran. */
  memorySlope?: LogLogFit;
}

/** A target comparison computed from the measurements (e.g. TSSA vs softmax at 4,096 tokens). */
export interface Headline {
  label: string;
  /** The measured value, as text (with units), or a reason it is unavailable. */
  measured: string;
  target: string;
  met: boolean | null;
}

export interface ScalingResult {
  format: 'tost-scaling-1';
  settings: ScalingSettings;
  environment: ScalingEnvironment;
  series: SeriesResult[];
  decoding?: DecodingMeasurement[];
  decodingError?: string;
  headlines: Headline[];
}

export const okLengths = (series: SeriesResult) =>
  series.lengths.filter((o) => o.status === 'ok' && o.measurement !== undefined);

/** The ok measurement of a series at one length, if it ran. */
export function measurementAt(series: SeriesResult | undefined, length: number): StepMeasurement | undefined {
  return series?.lengths.find((o) => o.length === length && o.status === 'ok')?.measurement;
}
