import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT, renderSvg, svgToPng, type RenderedChart } from '../render/charts.js';
import type { ScalingResult } from './scaling-result.js';

export interface ChartRow {
  series: string;
  length: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  peakMiB: number;
}

/** One row per (series, length) that produced a measurement. */
export function chartRows(result: ScalingResult): ChartRow[] {
  return result.series.flatMap((s) =>
    s.lengths
      .filter((o) => o.measurement !== undefined)
      .map((o) => ({
        series: s.name,
        length: o.length,
        medianMs: o.measurement!.time.median,
        minMs: o.measurement!.time.min,
        maxMs: o.measurement!.time.max,
        peakMiB: o.measurement!.peakBytes / 2 ** 20,
      })),
  );
}

type Scale = 'linear' | 'log';

function panel(field: 'medianMs' | 'peakMiB', scale: Scale, title: string) {
  const isTime = field === 'medianMs';
  const x = {
    field: 'length',
    type: 'quantitative' as const,
    title: 'sequence length (tokens)',
    scale: scale === 'log' ? { type: 'log' as const, base: 2 } : { type: 'linear' as const },
  };
  const yTitle = isTime ? 'median wall time (ms)' : 'peak tensor memory (MiB)';
  const yScale = scale === 'log' ? { type: 'log' as const } : { type: 'linear' as const };
  const color = { field: 'series', type: 'nominal' as const, title: 'series' };
  const layers: object[] = [
    {
      mark: { type: 'line', point: true },
      encoding: { x, y: { field, type: 'quantitative', title: yTitle, scale: yScale }, color },
    },
  ];
  if (isTime) {
    // The spread over repeats: min–max as a vertical rule.
    layers.push({
      mark: { type: 'rule' },
      encoding: {
        x,
        y: { field: 'minMs', type: 'quantitative', scale: yScale },
        y2: { field: 'maxMs' },
        color,
      },
    });
  }
  return { title, width: 420, height: 280, layer: layers };
}

/** The vega-lite specs: time vs length, memory vs length (linear axes) and both on log-log axes. */
export function chartSpecs(result: ScalingResult): { name: string; title: string; spec: TopLevelSpec }[] {
  const rows = chartRows(result);
  const mode = result.settings.mode;
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    background: 'white',
    config: { font: CHART_FONT, legend: { orient: 'right' as const } },
  };
  const step = mode === 'train' ? 'train step' : 'forward';
  return [
    {
      name: `${mode}-time`,
      title: `${step} time vs length`,
      spec: {
        ...base,
        ...panel('medianMs', 'linear', `${step} time vs sequence length (${result.environment.backend})`),
      } as TopLevelSpec,
    },
    {
      name: `${mode}-memory`,
      title: `${step} peak memory vs length`,
      spec: {
        ...base,
        ...panel('peakMiB', 'linear', `${step} peak tensor memory vs sequence length`),
      } as TopLevelSpec,
    },
    {
      name: `${mode}-loglog`,
      title: `${step} time and memory, log-log`,
      spec: {
        ...base,
        hconcat: [
          panel('medianMs', 'log', `${step} time (log-log)`),
          panel('peakMiB', 'log', `${step} peak memory (log-log)`),
        ],
      } as TopLevelSpec,
    },
  ];
}

export async function renderCharts(result: ScalingResult): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  for (const { name, title, spec } of chartSpecs(result)) {
    const svg = await renderSvg(spec);
    charts.push({ name, title, svg, png: svgToPng(svg) });
  }
  return charts;
}
