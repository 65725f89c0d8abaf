/** A straight paddle from (x0, y0) to (x1, y1), in output pixels (pixel centres at k + 0.5). */
export interface Segment {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A filled disc marker. */
export interface Disc {
  x: number;
  y: number;
  radius: number;
}

function distanceToSegment(px: number, py: number, s: Segment): number {
  const dx = s.x1 - s.x0;
  const dy = s.y1 - s.y0;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - s.x0) * dx + (py - s.y0) * dy) / len2)) : 0;
  return Math.hypot(s.x0 + t * dx - px, s.y0 + t * dy - py);
}

/**
 * Rasterises paddles (thick segments) and disc markers at `scale`× the output resolution with a one-subpixel linear
 * coverage ramp at the edges, then box-averages scale×scale blocks down to the output (anti-aliasing), giving grey
 * values 0–255 (0 = background).
 */
export function renderPathfinder(
  resolution: number,
  scale: number,
  segments: readonly Segment[],
  thickness: number,
  markers: readonly Disc[],
): Uint8Array {
  const side = resolution * scale;
  const canvas = new Float32Array(side * side);
  const paint = (
    x0: number,
    x1: number,
    y0: number,
    y1: number,
    coverage: (px: number, py: number) => number,
  ): void => {
    const ix0 = Math.max(0, Math.floor(x0 * scale));
    const ix1 = Math.min(side - 1, Math.ceil(x1 * scale));
    const iy0 = Math.max(0, Math.floor(y0 * scale));
    const iy1 = Math.min(side - 1, Math.ceil(y1 * scale));
    for (let y = iy0; y <= iy1; y++) {
      for (let x = ix0; x <= ix1; x++) {
        const c = coverage((x + 0.5) / scale, (y + 0.5) / scale);
        const i = y * side + x;
        if (c > canvas[i]!) canvas[i] = c;
      }
    }
  };
  const ramp = (signed: number): number => Math.max(0, Math.min(1, signed * scale + 0.5));
  const half = thickness / 2;
  for (const s of segments) {
    paint(
      Math.min(s.x0, s.x1) - half - 1,
      Math.max(s.x0, s.x1) + half + 1,
      Math.min(s.y0, s.y1) - half - 1,
      Math.max(s.y0, s.y1) + half + 1,
      (px, py) => ramp(half - distanceToSegment(px, py, s)),
    );
  }
  for (const m of markers) {
    paint(m.x - m.radius - 1, m.x + m.radius + 1, m.y - m.radius - 1, m.y + m.radius + 1, (px, py) =>
      ramp(m.radius - Math.hypot(px - m.x, py - m.y)),
    );
  }
  const out = new Uint8Array(resolution * resolution);
  const area = scale * scale;
  for (let y = 0; y < resolution; y++) {
    for (let x = 0; x < resolution; x++) {
      let sum = 0;
      for (let dy = 0; dy < scale; dy++) {
        const row = (y * scale + dy) * side + x * scale;
        for (let dx = 0; dx < scale; dx++) sum += canvas[row + dx]!;
      }
      out[y * resolution + x] = Math.round((255 * sum) / area);
    }
  }
  return out;
}
