import type { TopLevelSpec } from 'vega-lite';
import type { LayerCompression } from '@tost/analysis';
import { renderSvg, svgToPng } from '../scaling/charts.js';

/** The per-layer compression of one model (e.g. 'trained', 'untrained'). */
export interface CompressionSeries {
  model: string;
  layers: LayerCompression[];
}

interface ChartRow {
  model: string;
  where: string;
  layer: number;
  value: number;
}

function rows(series: CompressionSeries[], pick: 'variational' | 'codingRate'): ChartRow[] {
  return series.flatMap((s) =>
    s.layers.flatMap((l) =>
      (['entering', 'leaving'] as const).flatMap((where) => {
        const value = l[where][pick];
        return value === null
          ? []
          : [{ model: s.model, where: `${where} the layer`, layer: l.index + 1, value }];
      }),
    ),
  );
}

function panel(data: ChartRow[], title: string, yTitle: string, depth: number) {
  return {
    title,
    width: 360,
    height: 240,
    data: { values: data },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: {
        field: 'layer',
        type: 'quantitative' as const,
        title: 'layer',
        axis: { values: Array.from({ length: depth }, (_, i) => i + 1), format: 'd' },
        scale: { domain: [1, Math.max(2, depth)] },
      },
      y: { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } },
      color: { field: 'model', type: 'nominal' as const, title: 'model' },
      // Solid = entering, dashed = leaving. The legend draws each style as a 30 px black line: vega-lite's default
      // strokeDash legend symbol has no stroke colour and is 10 px long, so it showed no line style at all.
      strokeDash: {
        field: 'where',
        type: 'nominal' as const,
        title: 'tokens',
        scale: {
          range: [
            [1, 0],
            [6, 4],
          ],
        },
        legend: {
          symbolType: 'stroke',
          symbolStrokeWidth: 2,
          symbolSize: 900,
          encode: { symbols: { update: { stroke: { value: 'black' } } } },
        },
      },
    },
  };
}

/** vega-lite spec: R_var per layer (TSSA) and the MCR² coding-rate compression per layer, side by side. */
export function compressionChartSpec(series: CompressionSeries[], eps: number): TopLevelSpec {
  const depth = Math.max(...series.map((s) => s.layers.length));
  const variational = rows(series, 'variational');
  const panels = [
    ...(variational.length
      ? [panel(variational, 'variational compression R_var per layer', 'R_var (nats)', depth)]
      : []),
    panel(rows(series, 'codingRate'), `MCR² compression R^c per layer (ε = ${eps})`, 'R^c (nats)', depth),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    config: { font: 'DejaVu Sans' },
    hconcat: panels,
  } as TopLevelSpec;
}

export async function renderCompressionChart(
  series: CompressionSeries[],
  eps: number,
): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await renderSvg(compressionChartSpec(series, eps));
  return { svg, png: svgToPng(svg) };
}
