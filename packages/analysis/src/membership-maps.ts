import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isRateReductionAttention } from '@tost/attention';
import {
  describeAttentionLayers,
  findAttentionSites,
  siteInputs,
  type AttentionSite,
} from './attention-sites.js';
import { classAttentionWeights } from './class-attention-map.js';

/** A dense float32 array with its row-major shape. */
export interface ArrayMap {
  shape: number[];
  data: Float32Array;
}

/** Where a model's tokens sit on a 2-D grid: tokens `offset … offset + height·width − 1`, row-major. */
export interface TokenGrid {
  height: number;
  width: number;
  /** Leading tokens that are not on the grid (a CLS token): 0 or 1. */
  offset: number;
}

/** Π of one TSSA layer. */
export interface MembershipMap {
  /** 0-based position among the TSSA layers (graph order = depth). */
  index: number;
  layer: string;
  heads: number;
  /** Π [batch, heads, seq]: Σ over heads = 1 at real tokens, 0 at padded ones. */
  membership: ArrayMap;
  /** Π on the token grid [batch, heads, height, width] (vision models, or when `grid` is given). */
  grid?: ArrayMap;
}

/** The CLS token's attention over all tokens in one class-attention layer (XCiT/ToST vision head). */
export interface ClassAttentionMap {
  layer: string;
  heads: number;
  /** Softmax weights [batch, heads, seq] of the CLS query over the keys; key 0 is the CLS token itself. */
  attention: ArrayMap;
  /** The weights on the patch tokens laid out on the grid [batch, heads, height, width]. */
  grid?: ArrayMap;
}

export interface MembershipMapsOptions {
  /**
   * Lay the TSSA tokens out on this grid (e.g. Pathfinder's 32×32 pixels). Default: for a model whose input is an
   * image [B, H, W, C], the square grid of its tokens (a leading CLS token is skipped); otherwise none.
   */
  grid?: { height: number; width: number };
}

export interface MembershipMapsResult {
  tssa: MembershipMap[];
  classAttention: ClassAttentionMap[];
  /** The grid used for `tssa[i].grid`, if any. */
  grid?: TokenGrid;
}

/**
 * Runs `model` on `inputs` and returns the membership Π of every TSSA layer [batch, heads, seq] (via the layer's
 * `callAndReturnIntermediates` on the tokens it receives in the model), reshaped to the patch grid for vision models,
 * and, for models with class-attention blocks, each one's CLS attention map. Plain arrays: no tensors are left
 * behind. Throws when the model has no TSSA layer.
 */
export function membershipMaps(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  options: MembershipMapsOptions = {},
): MembershipMapsResult {
  const caller = 'membershipMaps';
  const sites = findAttentionSites(caller, model).filter(
    (s) => s.kind === 'tssa' || s.kind === 'class-attention',
  );
  const tssaSites = sites.filter((s) => s.kind === 'tssa');
  if (tssaSites.length === 0) {
    throw new Error(
      `${caller}: model '${model.name}' has no TSSA layer, so there is no membership Π to show ` +
        `(attention layers found: ${describeAttentionLayers(model)})`,
    );
  }
  const concrete = siteInputs(model, sites, inputs);
  try {
    const seq = concrete[sites.indexOf(tssaSites[0]!)]!.tokens.shape[1];
    const grid = chooseGrid(caller, model, seq, options.grid);
    const tssa: MembershipMap[] = [];
    const classAttention: ClassAttentionMap[] = [];
    sites.forEach((site, i) => {
      const { tokens, mask } = concrete[i]!;
      if (site.kind === 'tssa') {
        const membership = tssaMembership(site, tokens, mask);
        tssa.push({
          index: tssa.length,
          layer: site.layer.name,
          heads: membership.shape[1]!,
          membership,
          ...(grid ? { grid: toGrid(membership, grid) } : {}),
        });
      } else {
        const attention = classAttentionWeights(site.layer, tokens, mask);
        // Keys are [CLS, patch tokens…]: the patches sit on the grid after the CLS key.
        const keyGrid = grid ? { ...grid, offset: 1 } : undefined;
        const fits = keyGrid && attention.shape[2] === keyGrid.offset + keyGrid.height * keyGrid.width;
        classAttention.push({
          layer: site.layer.name,
          heads: attention.shape[1]!,
          attention,
          ...(fits ? { grid: toGrid(attention, keyGrid) } : {}),
        });
      }
    });
    return { tssa, classAttention, ...(grid ? { grid } : {}) };
  } finally {
    for (const c of concrete) tf.dispose([c.tokens, ...(c.mask ? [c.mask] : [])]);
  }
}

function tssaMembership(site: AttentionSite, tokens: tf.Tensor3D, mask?: tf.Tensor2D): ArrayMap {
  const layer = site.layer;
  if (!isRateReductionAttention(layer, 'tssa')) throw new Error(`layer '${layer.name}' is not a TSSA`);
  const { output, membership } = layer.callAndReturnIntermediates(mask ? [tokens, mask] : tokens);
  const map = { shape: membership.shape.slice(), data: membership.dataSync() as Float32Array };
  tf.dispose([output, membership]);
  return map;
}

/** The grid for `seq` TSSA tokens: the caller's, or a square one for image models (after an optional CLS). */
function chooseGrid(
  caller: string,
  model: tfl.LayersModel,
  seq: number,
  requested: { height: number; width: number } | undefined,
): TokenGrid | undefined {
  if (requested) {
    const { height, width } = requested;
    if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
      throw new RangeError(
        `${caller}: option 'grid' must have positive integer height and width, got ${JSON.stringify(requested)}`,
      );
    }
    const offset = seq - height * width;
    if (offset !== 0 && offset !== 1) {
      throw new RangeError(
        `${caller}: option 'grid' ${height}×${width} does not fit the ${seq} tokens of the TSSA layers ` +
          `(expected ${height * width} tokens, or one more with a CLS token)`,
      );
    }
    return { height, width, offset };
  }
  const imageInput = model.inputs.length === 1 && model.inputs[0]!.shape.length === 4;
  if (!imageInput) return undefined;
  for (const offset of [0, 1]) {
    const side = Math.round(Math.sqrt(seq - offset));
    if (side > 0 && side * side === seq - offset) return { height: side, width: side, offset };
  }
  return undefined;
}

/** [B, H, seq] → [B, H, height, width], dropping the `offset` leading tokens. */
export function toGrid(map: ArrayMap, grid: TokenGrid): ArrayMap {
  const [batch, heads, seq] = map.shape as [number, number, number];
  const cells = grid.height * grid.width;
  const data = new Float32Array(batch * heads * cells);
  for (let bh = 0; bh < batch * heads; bh++) {
    data.set(map.data.subarray(bh * seq + grid.offset, bh * seq + grid.offset + cells), bh * cells);
  }
  return { shape: [batch, heads, grid.height, grid.width], data };
}
