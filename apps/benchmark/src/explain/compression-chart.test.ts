import { describe, it, expect } from 'vitest';
import type { LayerCompression } from '@tost/analysis';
import { compressionChartSpec } from './compression-chart.js';
import { renderSvg } from '../scaling/charts.js';

const layer = (index: number, a: number, b: number) =>
  ({
    index,
    entering: { variational: a, codingRate: a },
    leaving: { variational: b, codingRate: b },
  }) as unknown as LayerCompression;

describe('compression chart legend', () => {
  it('shows each line style (entering solid, leaving dashed) as a visible stroke', async () => {
    const svg = await renderSvg(
      compressionChartSpec(
        [
          { model: 'trained', layers: [layer(0, 3, 2), layer(1, 2, 1)] },
          { model: 'untrained', layers: [layer(0, 3, 3), layer(1, 3, 2.5)] },
        ],
        0.5,
      ),
    );
    const symbols = [
      ...svg.matchAll(
        /role-legend-symbol[^>]*><path ([^>]*)\/><\/g><g class="mark-text role-legend-label"[^>]*><text[^>]*>([^<]+)<\/text>/g,
      ),
    ].map((m) => ({ attributes: m[1]!, label: m[2]! }));
    const entering = symbols.find((s) => s.label === 'entering the layer');
    const leaving = symbols.find((s) => s.label === 'leaving the layer');
    expect(entering, 'legend entry for entering').toBeDefined();
    expect(leaving, 'legend entry for leaving').toBeDefined();
    for (const s of [entering!, leaving!]) {
      expect(s.attributes).toMatch(/stroke="(black|#000000|#000)"/);
      const d = /d="M(-?[\d.]+),0L(-?[\d.]+),0"/.exec(s.attributes)!;
      expect(Number(d[2]) - Number(d[1])).toBeGreaterThanOrEqual(20);
    }
    expect(entering!.attributes).toMatch(/stroke-dasharray="1,0"/);
    expect(leaving!.attributes).toMatch(/stroke-dasharray="6,4"/);
  });
});
