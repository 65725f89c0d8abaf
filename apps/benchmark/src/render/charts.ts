import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { ScalingResult } from '../scaling/scaling-result.js';

export interface ChartRow {
  series: string;
  length: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  peakMiB: number;
}

export interface RenderedChart {
  /** File stem, e.g. `train-time`. */
  name: string;
  title: string;
  svg: string;
  png: Uint8Array;
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

const FONT = 'DejaVu Sans';

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
    config: { font: FONT, legend: { orient: 'right' as const } },
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

/** vega-lite → vega → SVG, headless (no canvas, no DOM). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Font files resvg should load so the PNG has readable text (it draws no glyphs without a font). */
export function chartFontFiles(): string[] {
  return [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans.ttf',
    '/System/Library/Fonts/Supplemental/Arial.ttf',
    'C:\\Windows\\Fonts\\arial.ttf',
  ].filter((f) => existsSync(f));
}

/** SVG → PNG at twice the SVG's size, with system fonts plus DejaVu Sans when present. */
export function svgToPng(svg: string): Uint8Array {
  const fontFiles = chartFontFiles();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: {
      loadSystemFonts: true,
      fontFiles,
      defaultFontFamily: FONT,
      sansSerifFamily: FONT,
    },
  });
  return resvg.render().asPng();
}

export async function renderCharts(result: ScalingResult): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  for (const { name, title, spec } of chartSpecs(result)) {
    const svg = await renderSvg(spec);
    charts.push({ name, title, svg, png: svgToPng(svg) });
  }
  return charts;
}
