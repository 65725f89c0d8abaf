import { mean, sampleStandardDeviation } from 'simple-statistics';
import { formatTable } from '../render/format-table.js';
import { measurementAt, type SeriesResult } from '../scaling/scaling-result.js';
import type { CompareState, LraCell } from './compare-state.js';
import type { VariantDescriptor } from './descriptors.js';
import { HYBRID_SPEED_ROW, isHybrid } from '../variant-names.js';

/** One length of a variant's train-step sweep, with its ratio to softmax at the same length. */
export interface LengthCell {
  length: number;
  status: string;
  medianMs?: number;
  peakMiB?: number;
  /** This variant's time / softmax's time at the same length (when both ran). */
  timeRatio?: number;
  memoryRatio?: number;
}

/** A task's accuracy over seeds (percent), or why there is none. */
export type AccuracyCell =
  | { status: 'ok'; mean: number; spread: number; seeds: number; accuracies: number[]; majority: number }
  | { status: 'n/a'; reason: string }
  | { status: 'missing' }
  | { status: 'error'; message: string };

export interface CompareRow {
  variant: string;
  family: string;
  paper?: { title: string; arxiv?: string; citation?: string };
  causal: boolean;
  streaming: boolean;
  complexity: string;
  lengths: LengthCell[];
  /** The longest length whose train step ran within the time and memory limits. */
  longestTrainable?: number;
  timeSlope?: number;
  memorySlope?: number;
  accuracy: Record<string, AccuracyCell>;
}

/** The baseline every ratio is taken against. */
export const BASELINE = 'softmax';

/**
 * Mean ± spread over seeds, in percent. The spread is the sample standard deviation (n − 1), 0 for a single seed.
 * Errors win over results (a failed seed makes the cell an error); 'n/a' cells (older states) stay 'n/a'.
 */
export function accuracyCell(cells: (LraCell | undefined)[]): AccuracyCell {
  const present = cells.filter((c): c is LraCell => c !== undefined);
  const error = present.find((c) => c.status === 'error');
  if (error?.status === 'error') return { status: 'error', message: error.message };
  const na = present.find((c) => c.status === 'n/a');
  if (na?.status === 'n/a') return { status: 'n/a', reason: na.reason };
  const ok = present.filter((c): c is Extract<LraCell, { status: 'ok' }> => c.status === 'ok');
  if (ok.length === 0) return { status: 'missing' };
  const accuracies = ok.map((c) => 100 * c.testAccuracy);
  return {
    status: 'ok',
    mean: mean(accuracies),
    spread: accuracies.length > 1 ? sampleStandardDeviation(accuracies) : 0,
    seeds: accuracies.length,
    accuracies,
    majority: 100 * ok[0]!.majorityAccuracy,
  };
}

function lengthCells(
  series: SeriesResult | undefined,
  baseline: SeriesResult | undefined,
  lengths: number[],
): LengthCell[] {
  return lengths.map((length) => {
    const outcome = series?.lengths.find((o) => o.length === length);
    const m = measurementAt(series, length);
    const b = measurementAt(baseline, length);
    return {
      length,
      status: outcome ? `${outcome.status}${outcome.predicted ? ' (predicted)' : ''}` : 'missing',
      ...(m ? { medianMs: m.time.median, peakMiB: m.peakBytes / 2 ** 20 } : {}),
      ...(m && b ? { timeRatio: m.time.median / b.time.median, memoryRatio: m.peakBytes / b.peakBytes } : {}),
    };
  });
}

/** One row per variant, in the order given, for the tasks and seeds given. */
export function compareRows(
  state: CompareState,
  descriptors: VariantDescriptor[],
  tasks: readonly string[],
  seeds: readonly number[],
): CompareRow[] {
  const lengths = [...state.settings.lengths].sort((a, b) => a - b);
  const baseline = state.scaling[BASELINE]?.series;
  return descriptors.map((d) => {
    const series = state.scaling[d.name]?.series;
    const cells = lengthCells(series, baseline, lengths);
    const ran = cells.filter((c) => c.status === 'ok').map((c) => c.length);
    return {
      variant: d.name,
      family: d.family,
      ...(d.paper ? { paper: d.paper } : {}),
      causal: d.causal,
      streaming: d.streaming,
      complexity: d.complexity,
      lengths: cells,
      ...(ran.length ? { longestTrainable: Math.max(...ran) } : {}),
      ...(series?.timeSlope ? { timeSlope: series.timeSlope.slope } : {}),
      ...(series?.memorySlope ? { memorySlope: series.memorySlope.slope } : {}),
      accuracy: Object.fromEntries(
        tasks.map((task) => [
          task,
          accuracyCell(seeds.map((seed) => state.lra[d.name]?.[task as 'listops']?.[String(seed)])),
        ]),
      ),
    };
  });
}

const tokens = (n: number) => (n >= 1024 && n % 1024 === 0 ? `${n / 1024}k` : String(n));
/** 3 significant-ish digits: 1234, 56.7, 0.89 (times in ms, memory in MiB). */
const threeDigits = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
const ratio = (r: number | undefined) =>
  r === undefined ? '' : ` (${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×)`;
const STATUS_TEXT: Record<string, string> = {
  'out-of-memory': 'OOM',
  'out-of-memory (predicted)': 'OOM (predicted)',
  'time-limit': 'over time limit',
  'time-limit (predicted)': 'over time limit (predicted)',
  skipped: 'not run',
};

/** A time, memory or accuracy cell as the markdown and HTML tables print it. */
export function formatLength(cell: LengthCell, what: 'time' | 'memory'): string {
  if (cell.medianMs === undefined) return STATUS_TEXT[cell.status] ?? cell.status;
  return what === 'time'
    ? `${threeDigits(cell.medianMs)} ms${ratio(cell.timeRatio)}`
    : `${threeDigits(cell.peakMiB!)} MiB${ratio(cell.memoryRatio)}`;
}

export function formatAccuracy(cell: AccuracyCell): string {
  switch (cell.status) {
    case 'ok':
      return `${cell.mean.toFixed(1)} ± ${cell.spread.toFixed(1)} (${cell.seeds} seed${cell.seeds === 1 ? '' : 's'})`;
    case 'n/a':
      return `n/a (${cell.reason})`;
    case 'missing':
      return '—';
    case 'error':
      return 'error';
  }
}

export function formatPaper(row: Pick<CompareRow, 'paper'>): string {
  if (!row.paper) return '—';
  const who = row.paper.citation ?? row.paper.title;
  return row.paper.arxiv ? `${who}, arXiv:${row.paper.arxiv}` : who;
}

/** Column headers of the table (the HTML page uses the same). */
export function compareHeaders(lengths: number[], tasks: readonly string[]): string[] {
  return [
    'variant',
    'family',
    'paper',
    'causal',
    'streaming',
    'complexity',
    ...lengths.map((l) => `time ${tokens(l)} (× ${BASELINE})`),
    ...lengths.map((l) => `memory ${tokens(l)} (× ${BASELINE})`),
    'longest trainable',
    ...tasks.map((t) => `${t === 'listops' ? 'ListOps' : t === 'pathfinder' ? 'Pathfinder' : t} quick %`),
  ];
}

/** The text of every cell of a row, in header order. */
export function rowTexts(row: CompareRow, tasks: readonly string[]): string[] {
  return [
    row.variant,
    row.family,
    formatPaper(row),
    row.causal ? 'yes' : 'no',
    row.streaming ? 'yes' : 'no',
    row.complexity,
    ...row.lengths.map((c) => formatLength(c, 'time')),
    ...row.lengths.map((c) => formatLength(c, 'memory')),
    row.longestTrainable === undefined ? '—' : row.longestTrainable.toLocaleString('en-US'),
    ...tasks.map((t) => formatAccuracy(row.accuracy[t] ?? { status: 'missing' })),
  ];
}

/** The markdown table with a line on the settings and the machine. */
export function compareMarkdown(state: CompareState, rows: CompareRow[], tasks: readonly string[]): string {
  const s = state.settings;
  const e = state.environment;
  const lengths = [...s.lengths].sort((a, b) => a - b);
  const seeds = Math.max(
    0,
    ...rows.flatMap((r) => Object.values(r.accuracy).map((a) => (a.status === 'ok' ? a.seeds : 0))),
  );
  return [
    '## Every attention variant, one harness',
    '',
    `Train step (forward + backward to every weight, no optimiser update) of one attention layer on random tokens: ` +
      `dim ${s.dim}, heads ${s.heads}, batch ${s.batch}; median of up to ${s.repeats} runs after ${s.warmup} warm-up; ` +
      `peak tensor memory (weights and inputs included). Ratios are to \`${BASELINE}\` at the same length. ` +
      `Time limit ${s.timeLimitSeconds} s per run, memory limit ${(s.memoryLimitBytes / 2 ** 20).toFixed(0)} MiB. ` +
      (tasks.length > 0
        ? `Accuracy: quick LRA preset (\`tost-bench quick\`), the same model, data, steps and seeds for every variant; ` +
          `test accuracy in %, mean ± sample standard deviation over ${seeds} seed${seeds === 1 ? '' : 's'}. ` +
          `A causal variant is trained as a uni-directional encoder under the same class-attention pooling (which reads every token).`
        : 'No quick LRA runs (`--tasks none`).') +
      (rows.some((r) => isHybrid(r.variant)) ? ` ${HYBRID_SPEED_ROW}` : ''),
    '',
    `Backend **${s.backend}**; ${e.cpuModel} (${e.cpuCount} cores); load average ${e.loadAverageStart.toFixed(2)} → ` +
      `${e.loadAverageEnd.toFixed(2)}; ${e.startedAt} → ${e.finishedAt}.`,
    '',
    formatTable(
      compareHeaders(lengths, tasks),
      rows.map((r) => rowTexts(r, tasks)),
    ),
  ].join('\n');
}
