import { interpolateViridis } from 'd3-scale-chromatic';

/** 256 viridis colours as RGB bytes: index = round(255 · value) for values in [0, 1]. */
const VIRIDIS: Uint8Array = (() => {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const hex = interpolateViridis(i / 255); // "#rrggbb"
    table.set(
      [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)),
      i * 3,
    );
  }
  return table;
})();

/**
 * Draws `values` (row-major, rows × cols, each in [0, 1]) as a viridis heatmap on a new canvas of cols × rows pixels,
 * shown `scale`× larger (CSS, pixelated). Values outside [0, 1] are clamped.
 */
export function heatmapCanvas(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  scale: number,
): HTMLCanvasElement {
  if (values.length !== rows * cols) {
    throw new RangeError(
      `heatmapCanvas: expected ${rows}×${cols} = ${rows * cols} values, got ${values.length}`,
    );
  }
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  canvas.className = 'heatmap';
  canvas.style.width = `${cols * scale}px`;
  canvas.style.height = `${rows * scale}px`;
  const image = new ImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.max(0, Math.min(1, values[i]!));
    const c = Math.round(v * 255) * 3;
    image.data.set([VIRIDIS[c]!, VIRIDIS[c + 1]!, VIRIDIS[c + 2]!, 255], i * 4);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

/** A captioned figure around a canvas. */
export function figure(canvas: HTMLCanvasElement, caption: string): HTMLElement {
  const fig = document.createElement('figure');
  const text = document.createElement('figcaption');
  text.textContent = caption;
  fig.append(canvas, text);
  return fig;
}
