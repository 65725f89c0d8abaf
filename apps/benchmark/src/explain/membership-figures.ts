import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArrayMap, MembershipMapsResult } from '@tost/analysis';
import { column, greyImage, heatmap, overlay, row, type Raster } from './images.js';

/** One written image and how the HTML section should caption it. */
export interface Figure {
  /** File name inside the output directory. */
  file: string;
  title: string;
  /** Which block of the page it belongs to ('membership', 'class-attention', 'inputs'). */
  group: 'membership' | 'class-attention' | 'inputs';
  /** Layer name, for grouping a layer's heads on one line. */
  layer?: string;
}

/** Grey input images on [0, 1] (vision inputs or Pathfinder pixels) for overlays. */
export interface OverlayImages {
  side: number;
  pixels: Float32Array[];
}

/** Pixels per side of one overlay panel. */
const PANEL_SIDE = 160;

/** Slice [b, h, …] of a [B, H, …] map. */
function slice(map: ArrayMap, b: number, h: number): Float32Array {
  const inner = map.shape.slice(2).reduce((a, c) => a * c, 1);
  const offset = (b * map.shape[1]! + h) * inner;
  return map.data.subarray(offset, offset + inner);
}

function save(outDir: string, file: string, raster: Raster): void {
  writeFileSync(join(outDir, file), raster.png());
}

/**
 * Writes Π per TSSA layer and head (and the CLS attention per class-attention layer and head) as PNGs in `outDir`:
 * - tokens on a grid (vision, Pathfinder): one panel per example, Π over the input image when there is one;
 * - plain sequences: a heatmap with one row per example and one column per token (grey = padding).
 * Π uses the fixed scale [0, 1] (viridis) so trained and untrained models compare directly; CLS attention maps
 * are scaled to their own maximum (their weights sum to 1 over hundreds of keys).
 */
export function writeMembershipFigures(
  maps: MembershipMapsResult,
  label: string,
  outDir: string,
  images?: OverlayImages,
): Figure[] {
  const figures: Figure[] = [];
  for (const m of maps.tssa) {
    const [batch, heads, seq] = m.membership.shape as [number, number, number];
    for (let h = 0; h < heads; h++) {
      const file = `pi-${label}-layer${m.index + 1}-head${h + 1}.png`;
      let raster: Raster;
      if (m.grid) {
        const side = m.grid.shape[2]!;
        const panels = Array.from({ length: batch }, (_, b) =>
          overlay(
            slice(m.grid!, b, h),
            side,
            PANEL_SIDE,
            images ? { image: images.pixels[b], imageSide: images.side } : {},
          ),
        );
        raster = row(panels);
      } else {
        const values = new Float32Array(batch * seq);
        for (let b = 0; b < batch; b++) values.set(slice(m.membership, b, h), b * seq);
        raster = heatmap(values, batch, seq, {
          cellWidth: Math.max(1, Math.min(8, Math.floor(1200 / seq))),
          cellHeight: 12,
          valid: (b, i) => tokenIsReal(m.membership, b, i),
        });
      }
      save(outDir, file, raster);
      figures.push({
        file,
        title: `${label}: Π of layer ${m.index + 1} (${m.layer}), head ${h + 1}`,
        group: 'membership',
        layer: m.layer,
      });
    }
  }
  for (const c of maps.classAttention) {
    if (!c.grid) continue;
    const [batch, heads, side] = c.grid.shape as [number, number, number];
    for (let h = 0; h < heads; h++) {
      const file = `cls-${label}-${c.layer}-head${h + 1}.png`;
      const panels = Array.from({ length: batch }, (_, b) => {
        const values = slice(c.grid!, b, h);
        const max = values.reduce((a, v) => Math.max(a, v), 0);
        return overlay(values, side, PANEL_SIDE, {
          ...(images ? { image: images.pixels[b], imageSide: images.side } : {}),
          max: max > 0 ? max : 1,
        });
      });
      save(outDir, file, row(panels));
      figures.push({
        file,
        title: `${label}: CLS attention of ${c.layer}, head ${h + 1}`,
        group: 'class-attention',
        layer: c.layer,
      });
    }
  }
  return figures;
}

/** The input images once, side by side, for reference. */
export function writeInputFigure(outDir: string, images: OverlayImages): Figure {
  const file = 'inputs.png';
  save(outDir, file, column([row(images.pixels.map((p) => greyImage(p, images.side, PANEL_SIDE)))]));
  return { file, title: 'the input examples (grey values)', group: 'inputs' };
}

/** Σ over heads of Π is 1 at real tokens and 0 at padded ones. */
function tokenIsReal(membership: ArrayMap, b: number, i: number): boolean {
  const [, heads, seq] = membership.shape as [number, number, number];
  let sum = 0;
  for (let h = 0; h < heads; h++) sum += membership.data[(b * heads + h) * seq + i]!;
  return sum > 0.5;
}
