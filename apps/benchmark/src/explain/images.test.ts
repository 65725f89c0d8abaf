import { describe, expect, it } from 'vitest';
import { column, Raster, row } from './images.js';

const RED = [255, 0, 0] as const;
const BLUE = [0, 0, 255] as const;
const WHITE = [255, 255, 255];

/** The colour of pixel (x, y). */
const pixel = (r: Raster, x: number, y: number) =>
  Array.from(r.data.subarray((y * r.width + x) * 3, (y * r.width + x) * 3 + 3));

describe('panel layout', () => {
  const a = new Raster(2, 3, [...RED]);
  const b = new Raster(4, 1, [...BLUE]);

  it('row: side by side with the gap between, top-aligned, white elsewhere', () => {
    const r = row([a, b], 1);
    expect([r.width, r.height]).toEqual([2 + 1 + 4, 3]);
    expect(pixel(r, 1, 2)).toEqual([...RED]);
    expect(pixel(r, 2, 0)).toEqual(WHITE); // the gap
    expect(pixel(r, 3, 0)).toEqual([...BLUE]);
    expect(pixel(r, 6, 0)).toEqual([...BLUE]);
    expect(pixel(r, 3, 1)).toEqual(WHITE); // below the shorter panel
  });

  it('column: stacked with the gap between, left-aligned, white elsewhere', () => {
    const c = column([a, b], 2);
    expect([c.width, c.height]).toEqual([4, 3 + 2 + 1]);
    expect(pixel(c, 1, 2)).toEqual([...RED]);
    expect(pixel(c, 2, 0)).toEqual(WHITE); // right of the narrower panel
    expect(pixel(c, 0, 3)).toEqual(WHITE); // the gap
    expect(pixel(c, 3, 5)).toEqual([...BLUE]);
  });
});
