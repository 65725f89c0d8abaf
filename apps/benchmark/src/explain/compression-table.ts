import { formatTable } from '../render/format-table.js';
import type { CompressionSeries } from './compression-chart.js';

const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(3));

/**
 * Markdown table, one row per layer: for each model, R_var (TSSA) and R^c of the tokens entering and leaving the
 * layer. Used in the terminal and (through markdownToHtml) on the page.
 */
export function compressionTable(series: CompressionSeries[], eps: number): string {
  const header = ['layer'];
  for (const s of series) {
    header.push(
      `${s.model} R_var in`,
      `${s.model} R_var out`,
      `${s.model} R^c in (ε=${eps})`,
      `${s.model} R^c out`,
    );
  }
  const depth = Math.max(...series.map((s) => s.layers.length));
  const rows = Array.from({ length: depth }, (_, i) => {
    const cells = [`${i + 1} (${series[0]?.layers[i]?.layer ?? '?'})`];
    for (const s of series) {
      const l = s.layers[i];
      cells.push(
        fmt(l?.entering.variational ?? null),
        fmt(l?.leaving.variational ?? null),
        fmt(l?.entering.codingRate ?? null),
        fmt(l?.leaving.codingRate ?? null),
      );
    }
    return cells;
  });
  return formatTable(header, rows);
}
