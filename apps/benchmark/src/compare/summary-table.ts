import { formatTable } from '../render/format-table.js';
import { formatQuality } from '../quality/results.js';
import type { CompareRow } from './compare-table.js';
import { formatBaselineValue, type QualityColumns } from './quality-columns.js';

/** The row every summary ratio is taken against: the project's own attention. */
export const SUMMARY_REFERENCE = 'tssa';

const group = (n: number) => n.toLocaleString('en-US');

/**
 * The one-table answer to "which attention should I use?" (compare-summary.md, the README's table): per variant —
 * every compared variant, then the hybrids that have only quality results — whether it is causal and streams, its
 * train-step time at `length` and that time over `tssa`'s in the same run, its peak memory there, the longest length
 * it trained, and every quality column (`tost-bench quality`'s mean over seeds; "—" where it was not run).
 */
export function summaryMarkdown(
  rows: CompareRow[],
  quality: QualityColumns | undefined,
  length: number,
): string {
  const reference = rows
    .find((r) => r.variant === SUMMARY_REFERENCE)
    ?.lengths.find((c) => c.length === length)?.medianMs;
  const columns = quality?.columns ?? [];
  const names = [...rows.map((r) => r.variant), ...(quality?.variants ?? [])].filter(
    (v, i, all) => all.indexOf(v) === i,
  );
  const body = names.map((variant) => {
    const row = rows.find((r) => r.variant === variant);
    const cell = row?.lengths.find((c) => c.length === length);
    const ms = cell?.medianMs;
    const kind = row ? `${row.causal ? 'causal' : 'bidirectional'}${row.streaming ? ' · streams' : ''}` : '—';
    return [
      `\`${variant}\``,
      kind,
      ms === undefined
        ? (cell?.status ?? '—')
        : `${group(Math.round(ms))} ms${reference ? ` (${(ms / reference).toFixed(1)}×)` : ''}`,
      cell?.peakMiB === undefined ? '—' : `${group(Math.round(cell.peakMiB))} MiB`,
      row?.longestTrainable === undefined ? '—' : group(row.longestTrainable),
      ...columns.map((c) => {
        const r = quality!.cells.get(variant)?.get(c.id);
        return r ? formatQuality(r) : '—';
      }),
    ];
  });
  const baselines = columns.map((c) => `${formatBaselineValue(c.sample)} (${c.sample.baseline.name})`);
  const at = `${length / 1024}k`;
  return formatTable(
    [
      'variant',
      'causal · streams',
      `train step ${at} (× ${SUMMARY_REFERENCE})`,
      `memory ${at}`,
      'longest trained',
      ...columns.map((c) => c.header),
    ],
    [...(columns.length ? [['baseline', '', '', '', '', ...baselines]] : []), ...body],
  );
}
