import { existsSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { chartFontFiles } from '../render/charts.js';
import { chartRows, chartSpecs, renderCharts } from './charts.js';
import { syntheticScalingResult } from './synthetic-result.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the PNG's IHDR chunk (bytes 16–23, big-endian). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('scaling charts', () => {
  it('plots only the lengths that produced a measurement', () => {
    const rows = chartRows(syntheticScalingResult());
    expect(rows.filter((r) => r.series === 'tssa').map((r) => r.length)).toEqual([
      256, 512, 1024, 2048, 4096,
    ]);
    expect(rows.filter((r) => r.series === 'softmax').map((r) => r.length)).toEqual([256, 512, 1024, 2048]);
    expect(chartSpecs(syntheticScalingResult()).map((c) => c.name)).toEqual([
      'train-time',
      'train-memory',
      'train-loglog',
    ]);
  });

  it('renders every chart to an SVG with axis titles and a valid PNG of the doubled size', async () => {
    const charts = await renderCharts(syntheticScalingResult());
    expect(charts).toHaveLength(3);
    for (const chart of charts) {
      expect(chart.svg.startsWith('<svg')).toBe(true);
      expect(chart.svg).toContain('sequence length (tokens)');
      expect(chart.svg).toContain('softmax');
      expect(Array.from(chart.png.slice(0, 8))).toEqual(PNG_SIGNATURE);
      const svgWidth = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(chart.svg)![1]);
      const { width, height } = pngSize(chart.png);
      expect(width).toBe(Math.round(2 * svgWidth));
      expect(height).toBeGreaterThan(300);
      // A blank white PNG of this size compresses to a few kB; text and lines make it larger.
      expect(chart.png.byteLength).toBeGreaterThan(10_000);
    }
    expect(charts[2]!.svg).toContain('(log-log)');
  });

  const dejaVu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
  it.skipIf(!existsSync(dejaVu))('passes DejaVu Sans to resvg when the machine has it', () => {
    expect(chartFontFiles()).toContain(dejaVu);
  });
});
