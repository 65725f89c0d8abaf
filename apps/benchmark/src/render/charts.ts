import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

export interface RenderedChart {
  /** File stem, e.g. `train-time`. */
  name: string;
  title: string;
  svg: string;
  png: Uint8Array;
}

/** The font charts ask for (vega-lite `config.font`) and resvg draws with. */
export const CHART_FONT = 'DejaVu Sans';

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
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  });
  return resvg.render().asPng();
}
