import { formatDuration } from '@tost/training';

/** One unit of the comparison: a variant's train step at one length, or one LRA run. */
export interface PlannedCell {
  variant: string;
  /** 'scaling' cells are keyed by length, 'lra' cells by task and seed. */
  kind: 'scaling' | 'lra';
  /** What the progress line names: `4096 tokens`, `listops seed 2`. */
  label: string;
  /** Cells with the same key take about the same time (used for the ETA): `scaling:4096`, `lra:listops`. */
  key: string;
  /** Scaling cells: tokens. */
  length?: number;
  /** LRA cells: task and seed. */
  task?: string;
  seed?: number;
}

/**
 * ETA of the remaining cells from the durations of finished ones: a cell is estimated by the mean of finished cells
 * with its key (same length, or same task), else by the mean of finished cells of its kind, scaled by nothing —
 * undefined while no cell of that kind has finished.
 */
export function estimateRemainingSeconds(
  remaining: readonly PlannedCell[],
  finished: readonly { key: string; kind: PlannedCell['kind']; seconds: number }[],
): number | undefined {
  const mean = (values: number[]) =>
    values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
  let total = 0;
  for (const cell of remaining) {
    const estimate =
      mean(finished.filter((f) => f.key === cell.key).map((f) => f.seconds)) ??
      mean(finished.filter((f) => f.kind === cell.kind).map((f) => f.seconds));
    if (estimate === undefined) return undefined;
    total += estimate;
  }
  return total;
}

/** `[compare 7/48 · ETA 1:02:03] tssa — train step at 4096 tokens` */
export function formatCompareProgress(
  index: number,
  total: number,
  cell: PlannedCell,
  etaSeconds: number | undefined,
): string {
  const eta = etaSeconds === undefined ? 'ETA unknown yet' : `ETA ${formatDuration(etaSeconds)}`;
  const what = cell.kind === 'scaling' ? `train step at ${cell.label}` : `quick LRA ${cell.label}`;
  return `[compare ${index}/${total} · ${eta}] ${cell.variant} — ${what}`;
}
