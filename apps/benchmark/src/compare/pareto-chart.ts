import type { TopLevelSpec } from 'vega-lite';
import { renderSvg, svgToPng, type RenderedChart } from '../render/charts.js';
import type { CompareRow } from './compare-table.js';

export interface ParetoPoint {
  variant: string;
  task: string;
  /** Median train-step time at the chart's length (ms). */
  timeMs: number;
  /** Mean test accuracy (%) and its spread over seeds. */
  accuracy: number;
  low: number;
  high: number;
  /** On the task's Pareto front: no other variant is both faster and more accurate. */
  front: boolean;
}

/** The length the chart compares at: 4,096 tokens when measured, else the longest length of the run. */
export function paretoLength(lengths: readonly number[]): number {
  return lengths.includes(4096) ? 4096 : Math.max(...lengths);
}

/** One point per (variant, task) with both a time at `length` and an accuracy; the front marked per task. */
export function paretoPoints(rows: CompareRow[], tasks: readonly string[], length: number): ParetoPoint[] {
  const points: ParetoPoint[] = [];
  for (const task of tasks) {
    const candidates = rows.flatMap((row) => {
      const time = row.lengths.find((c) => c.length === length)?.medianMs;
      const acc = row.accuracy[task];
      if (time === undefined || acc?.status !== 'ok') return [];
      return [
        {
          variant: row.variant,
          task,
          timeMs: time,
          accuracy: acc.mean,
          low: acc.mean - acc.spread,
          high: acc.mean + acc.spread,
        },
      ];
    });
    // Front: sorted by time, a point belongs when it is more accurate than every faster point.
    let best = -Infinity;
    const front = new Set<string>();
    for (const p of [...candidates].sort((a, b) => a.timeMs - b.timeMs || b.accuracy - a.accuracy)) {
      if (p.accuracy > best) {
        front.add(p.variant);
        best = p.accuracy;
      }
    }
    points.push(...candidates.map((p) => ({ ...p, front: front.has(p.variant) })));
  }
  return points;
}

const TASK_NAMES: Record<string, string> = { listops: 'ListOps', pathfinder: 'Pathfinder' };

/** Accuracy (y) against train-step time at `length` (x, log): points with ±spread bars, names, the front dashed. */
export function paretoSpec(points: ParetoPoint[], length: number, backend: string): TopLevelSpec {
  const x = {
    field: 'timeMs',
    type: 'quantitative' as const,
    title: `train-step time at ${length.toLocaleString('en-US')} tokens (ms, log scale)`,
    scale: { type: 'log' as const },
  };
  // Variants by colour and tasks by shape, named in legends: text labels beside points overlapped.
  const color = {
    field: 'variant',
    type: 'nominal' as const,
    title: 'variant',
    scale: { scheme: 'tableau20' },
  };
  const shape = { field: 'taskName', type: 'nominal' as const, title: 'quick LRA task' };
  const values = points.map((p) => ({ ...p, taskName: TASK_NAMES[p.task] ?? p.task }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Accuracy vs train-step time (${backend}): up and to the left is better`,
    width: 560,
    height: 360,
    background: 'white',
    config: { font: 'DejaVu Sans' },
    data: { values },
    layer: [
      {
        mark: { type: 'rule' },
        encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color },
      },
      {
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y: {
            field: 'accuracy',
            type: 'quantitative',
            title: 'quick test accuracy (%, mean ± sd over seeds)',
            scale: { zero: false },
          },
          color,
          shape,
        },
      },
      {
        mark: { type: 'line', strokeDash: [4, 3], color: 'grey' },
        transform: [{ filter: 'datum.front' }],
        encoding: {
          x,
          y: { field: 'accuracy', type: 'quantitative' },
          detail: { field: 'taskName' },
          order: { field: 'timeMs' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** The Pareto chart as SVG and PNG (the scaling charts' vega-lite → SVG → resvg pipeline). */
export async function renderParetoChart(
  rows: CompareRow[],
  tasks: readonly string[],
  lengths: readonly number[],
  backend: string,
): Promise<RenderedChart> {
  const length = paretoLength(lengths);
  const svg = await renderSvg(paretoSpec(paretoPoints(rows, tasks, length), length, backend));
  return {
    name: 'compare-pareto',
    title: `Quick LRA accuracy vs train-step time at ${length.toLocaleString('en-US')} tokens (dashed: Pareto front per task)`,
    svg,
    png: svgToPng(svg),
  };
}
