import { interpolateViridis } from 'd3-scale-chromatic';
import { PNG } from 'pngjs';

type Rgb = [number, number, number];

/** 256-entry viridis lookup table (d3-scale-chromatic), built once. */
const VIRIDIS: Rgb[] = Array.from({ length: 256 }, (_, i) => parseRgb(interpolateViridis(i / 255)));
/** Colour of cells that hold no token (padding). */
const PADDING: Rgb = [225, 225, 225];
const GAP: Rgb = [255, 255, 255];

function parseRgb(colour: string): Rgb {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (hex) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16), parseInt(hex[3]!, 16)];
  const rgb = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(colour);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`unexpected colour '${colour}' from d3-scale-chromatic`);
}

/** Viridis colour of v on [min, max] (clamped). */
export function viridis(v: number, min = 0, max = 1): Rgb {
  const t = max > min ? (v - min) / (max - min) : 0;
  return VIRIDIS[Math.max(0, Math.min(255, Math.round(t * 255)))]!;
}

/** An RGB raster that is encoded to PNG at the end. */
export class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    fill: Rgb = GAP,
  ) {
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(fill, i * 3);
  }

  set(x: number, y: number, rgb: Rgb): void {
    this.data.set(rgb, (y * this.width + x) * 3);
  }

  fillRect(x: number, y: number, w: number, h: number, rgb: Rgb): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, rgb);
  }

  /** Copies `other` with its top-left corner at (x, y). */
  blit(other: Raster, x: number, y: number): void {
    for (let yy = 0; yy < other.height; yy++) {
      const from = yy * other.width * 3;
      this.data.set(other.data.subarray(from, from + other.width * 3), ((y + yy) * this.width + x) * 3);
    }
  }

  png(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    for (let i = 0; i < this.width * this.height; i++) {
      png.data[i * 4] = this.data[i * 3]!;
      png.data[i * 4 + 1] = this.data[i * 3 + 1]!;
      png.data[i * 4 + 2] = this.data[i * 3 + 2]!;
      png.data[i * 4 + 3] = 255;
    }
    return PNG.sync.write(png);
  }
}

/**
 * A matrix heatmap: `rows × cols` values (row-major, on [min, max]) as cells of `cellWidth × cellHeight` pixels.
 * Cells where `valid` is false (padding) are light grey.
 */
export function heatmap(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  {
    cellWidth,
    cellHeight,
    min = 0,
    max = 1,
    valid,
  }: {
    cellWidth: number;
    cellHeight: number;
    min?: number;
    max?: number;
    valid?: (row: number, col: number) => boolean;
  },
): Raster {
  const raster = new Raster(cols * cellWidth, rows * cellHeight);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const colour = valid && !valid(r, c) ? PADDING : viridis(values[r * cols + c]!, min, max);
      raster.fillRect(c * cellWidth, r * cellHeight, cellWidth, cellHeight, colour);
    }
  }
  return raster;
}

/**
 * A grid map over a grey image: the image (values on [0, 1], `imageSide²`, row-major) and the map (`gridSide²`
 * values on [min, max]) are both sampled to `side × side` pixels by nearest neighbour, and blended
 * (1 − alpha)·grey + alpha·viridis. Without an image, the plain heatmap.
 */
export function overlay(
  map: ArrayLike<number>,
  gridSide: number,
  side: number,
  {
    image,
    imageSide = 0,
    alpha = 0.6,
    min = 0,
    max = 1,
  }: {
    image?: ArrayLike<number>;
    imageSide?: number;
    alpha?: number;
    min?: number;
    max?: number;
  } = {},
): Raster {
  const raster = new Raster(side, side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const heat = viridis(
        map[Math.floor((y * gridSide) / side) * gridSide + Math.floor((x * gridSide) / side)]!,
        min,
        max,
      );
      if (!image) {
        raster.set(x, y, heat);
        continue;
      }
      const g =
        255 * image[Math.floor((y * imageSide) / side) * imageSide + Math.floor((x * imageSide) / side)]!;
      raster.set(x, y, heat.map((h) => Math.round((1 - alpha) * g + alpha * h)) as Rgb);
    }
  }
  return raster;
}

/** Grey image on [0, 1] as a raster of `side × side` pixels (nearest neighbour). */
export function greyImage(image: ArrayLike<number>, imageSide: number, side: number): Raster {
  const raster = new Raster(side, side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const g = Math.round(
        255 * image[Math.floor((y * imageSide) / side) * imageSide + Math.floor((x * imageSide) / side)]!,
      );
      raster.set(x, y, [g, g, g]);
    }
  }
  return raster;
}

/**
 * Panels placed one after another along `axis` ('x': side by side, top-aligned; 'y': stacked, left-aligned) with
 * `gap` white pixels between them.
 */
function arrange(panels: Raster[], gap: number, axis: 'x' | 'y'): Raster {
  const along = (p: Raster) => (axis === 'x' ? p.width : p.height);
  const across = (p: Raster) => (axis === 'x' ? p.height : p.width);
  const length = panels.reduce((sum, p) => sum + along(p), 0) + gap * Math.max(0, panels.length - 1);
  const breadth = Math.max(...panels.map(across));
  const out = axis === 'x' ? new Raster(length, breadth) : new Raster(breadth, length);
  let at = 0;
  for (const p of panels) {
    if (axis === 'x') out.blit(p, at, 0);
    else out.blit(p, 0, at);
    at += along(p) + gap;
  }
  return out;
}

/** Panels side by side with `gap` white pixels between them (heights may differ: top-aligned). */
export function row(panels: Raster[], gap = 4): Raster {
  return arrange(panels, gap, 'x');
}

/** Panels stacked vertically with `gap` white pixels between them (left-aligned). */
export function column(panels: Raster[], gap = 4): Raster {
  return arrange(panels, gap, 'y');
}
