import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { membershipMaps, type MembershipMap } from '@tost/analysis';
import {
  LISTOPS_VOCAB_SIZE,
  Prng,
  decodeListOps,
  generateListOps,
  generatePathfinderSample,
  pathfinder32Config,
} from '@tost/lra';
import { buildSequenceClassifier } from '@tost/models';
import { figure, heatmapCanvas } from './heatmap.js';

export type MembershipSource = 'pathfinder' | 'listops';

/** The small TSSA classifier whose Π is shown (untrained: Π reflects the input statistics and random projections). */
const MODEL = { dim: 32, depth: 2, heads: 4, numClasses: 2, attention: 'tssa' } as const;

interface Input {
  ids: number[];
  /** Π is drawn on this grid: [rows, cols] = [32, 32] for an image, [1, length] for a sequence. */
  grid: [number, number];
  vocabSize: number;
  maskPadding: boolean;
  /** Renders the input itself. */
  show: () => HTMLElement;
  describe: string;
}

function pathfinderInput(seed: number): Input {
  const sample = generatePathfinderSample(new Prng(seed), pathfinder32Config());
  const pixels = Array.from(sample.pixels);
  return {
    ids: pixels,
    grid: [32, 32],
    vocabSize: 256,
    maskPadding: false, // grey level 0 is a real pixel value, not padding
    show: () =>
      figure(
        heatmapCanvas(
          pixels.map((p) => p / 255),
          32,
          32,
          5,
        ),
        `Pathfinder 32×32 (label ${sample.label}: ${sample.label ? 'connected' : 'not connected'})`,
      ),
    describe: 'Pathfinder image',
  };
}

function listOpsInput(seed: number): Input {
  const { train } = generateListOps({
    counts: { train: 1, val: 0, test: 0 },
    minLength: 60,
    maxLength: 200,
    maxDepth: 4,
    seed,
  });
  const example = train[0]!;
  return {
    ids: Array.from(example.ids),
    grid: [1, example.ids.length],
    vocabSize: LISTOPS_VOCAB_SIZE,
    maskPadding: true,
    show: () => {
      const pre = document.createElement('pre');
      pre.className = 'listops';
      pre.textContent = `${decodeListOps(example.ids).join(' ')}  →  ${example.label}`;
      return pre;
    },
    describe: `ListOps sequence of ${example.ids.length} tokens`,
  };
}

function drawMap(map: MembershipMap, grid: [number, number]): HTMLElement[] {
  const [rows, cols] = grid;
  const seq = map.membership.shape[2]!;
  const figures: HTMLElement[] = [];
  for (let h = 0; h < map.heads; h++) {
    const values = map.membership.data.subarray(h * seq, (h + 1) * seq); // batch 0, head h
    // Colours span each map's own range: an untrained model's Π stays near 1/heads, and its structure is in the
    // small differences between tokens.
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const span = hi - lo || 1;
    const scaled = Array.from(values, (v) => (v - lo) / span);
    const scale = rows === 1 ? Math.max(2, Math.floor(600 / cols)) : 5;
    const canvas = heatmapCanvas(scaled, rows, cols, scale);
    if (rows === 1) canvas.style.height = '24px';
    figures.push(
      figure(canvas, `layer ${map.index + 1}, head ${h + 1}: Π ${lo.toFixed(2)}–${hi.toFixed(2)}`),
    );
  }
  return figures;
}

/**
 * Generates a Pathfinder image or ListOps sequence from `seed`, runs a small TSSA classifier on it and draws Π for
 * every layer and head into `mapsEl` (the input into `inputEl`). Returns a short description.
 */
export function showMembership(
  source: MembershipSource,
  seed: number,
  inputEl: HTMLElement,
  mapsEl: HTMLElement,
): string {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`Seed must be an integer ≥ 0, got ${seed}`);
  const input = source === 'pathfinder' ? pathfinderInput(seed) : listOpsInput(seed);
  tf.util.assert(input.ids.length === input.grid[0] * input.grid[1], () => 'grid does not match the input');
  let model: tfl.LayersModel | undefined;
  const ids = tf.tensor2d([input.ids], [1, input.ids.length], 'int32');
  try {
    model = buildSequenceClassifier({
      ...MODEL,
      vocabSize: input.vocabSize,
      maxLength: input.ids.length,
      maskPadding: input.maskPadding,
      pooling: 'mean',
    });
    const result = membershipMaps(model, ids);
    inputEl.replaceChildren(input.show());
    mapsEl.replaceChildren(...result.tssa.flatMap((map) => drawMap(map, input.grid)));
    return `${input.describe}: Π of ${result.tssa.length} TSSA layers × ${MODEL.heads} heads`;
  } finally {
    ids.dispose();
    if (model) for (const w of model.weights) w.dispose();
  }
}
