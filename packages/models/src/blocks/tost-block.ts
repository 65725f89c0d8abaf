import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { AttentionLayer } from '@tost/attention';
import { DropPath } from '../layers/drop-path.js';
import { LayerCache } from '../generation/layer-cache.js';
import { LayerScale } from '../layers/layer-scale.js';
import { MaskCopy } from '../layers/mask-copy.js';
import { ResidualAdd } from '../layers/residual-add.js';
import { ShortConvolution } from '../layers/short-convolution.js';

export interface ToSTBlockOptions {
  /** The block's attention (already created, e.g. by `createAttentionForSlot`). */
  attention: AttentionLayer;
  dim: number;
  /** MLP hidden width = mlpRatio·dim (default 4). */
  mlpRatio?: number;
  /** Initial layer-scale γ; `false`/undefined = no layer scale (plain residual, as the LRA encoder). */
  layerScaleInit?: number | false;
  /** Stochastic-depth rate of both residual branches (0 = none). */
  dropPath?: number;
  /** Dropout after the attention and inside the MLP (0 = none). */
  dropout?: number;
  /** LayerNorm epsilon (1e-6 vision/LRA, 1e-5 language model). */
  layerNormEpsilon?: number;
  /** Prefix of the layer names (e.g. 'block0'); the language model's streaming decoder finds layers by it. */
  name: string;
  /** Reuse layers by name (shared weights across two wirings); a fresh cache by default. */
  layers?: LayerCache;
  /** Width k of a causal short convolution added to the normalised input before the attention (0 = none). */
  shortConv?: number;
}

/** Ends a residual branch: optional dropout, layer scale and drop-path, then `x + branch`. */
export function residualBranch(
  x: SymbolicTensor,
  branch: SymbolicTensor,
  {
    name,
    dim,
    dropout = 0,
    layerScaleInit,
    dropPath = 0,
    layers = new LayerCache(),
  }: {
    name: string;
    dim: number;
    dropout?: number;
    layerScaleInit?: number | false;
    dropPath?: number;
    layers?: LayerCache;
  },
): SymbolicTensor {
  let y = branch;
  if (dropout > 0) {
    y = layers
      .get(`${name}_dropout`, () => tfl.layers.dropout({ rate: dropout, name: `${name}_dropout` }))
      .apply(y) as SymbolicTensor;
  }
  if (layerScaleInit !== undefined && layerScaleInit !== false) {
    const scale = layers.get(
      `${name}_scale`,
      () => new LayerScale({ dim, init: layerScaleInit, name: `${name}_scale` }),
    );
    y = scale.apply(y) as SymbolicTensor;
  }
  if (dropPath > 0) {
    const drop = layers.get(
      `${name}_drop_path`,
      () => new DropPath({ rate: dropPath, name: `${name}_drop_path` }),
    );
    y = drop.apply(y) as SymbolicTensor;
  }
  return layers
    .get(`${name}_add`, () => new ResidualAdd({ name: `${name}_add` }))
    .apply([x, y]) as SymbolicTensor;
}

/** A LayerNormalization from the cache. */
export function layerNorm(layers: LayerCache, name: string, epsilon: number): tfl.layers.Layer {
  return layers.get(name, () => tfl.layers.layerNormalization({ epsilon, name }));
}

/** MLP(C → hidden → C) with GELU (erf form: tfjs-layers' built-in 'gelu' activation), dropout after each Dense. */
export function mlp(
  x: SymbolicTensor,
  {
    name,
    dim,
    hidden,
    dropout = 0,
    layers = new LayerCache(),
  }: { name: string; dim: number; hidden: number; dropout?: number; layers?: LayerCache },
): SymbolicTensor {
  const fc1 = layers.get(`${name}_fc1`, () =>
    tfl.layers.dense({ units: hidden, activation: 'gelu', name: `${name}_fc1` }),
  );
  let h = fc1.apply(x) as SymbolicTensor;
  if (dropout > 0) {
    const drop = layers.get(`${name}_fc1_dropout`, () =>
      tfl.layers.dropout({ rate: dropout, name: `${name}_fc1_dropout` }),
    );
    h = drop.apply(h) as SymbolicTensor;
  }
  return layers
    .get(`${name}_fc2`, () => tfl.layers.dense({ units: dim, name: `${name}_fc2` }))
    .apply(h) as SymbolicTensor;
}

/**
 * `h ← h + conv_k(h)` on the normalised block input (a `ShortConvolution` named `<name>_short_conv`) when `k` > 0,
 * else h unchanged.
 */
export function maybeShortConv(
  h: SymbolicTensor,
  k: number | undefined,
  { name, dim, layers }: { name: string; dim: number; layers: LayerCache },
): SymbolicTensor {
  if (!k) return h;
  const conv = layers.get(
    `${name}_short_conv`,
    () => new ShortConvolution({ dim, kernelSize: k, name: `${name}_short_conv` }),
  );
  return conv.apply(h) as SymbolicTensor;
}

/** Runs the attention on [h, its own copy of the mask] (see MaskCopy), or on h alone when there is no padding. */
export function applyAttention(
  attention: AttentionLayer,
  h: SymbolicTensor,
  mask?: SymbolicTensor,
  layers: LayerCache = new LayerCache(),
): SymbolicTensor {
  if (!mask) return attention.apply(h) as SymbolicTensor;
  const copy = layers.get(`${attention.name}_mask`, () => new MaskCopy({ name: `${attention.name}_mask` }));
  return attention.apply([h, copy.apply(mask) as SymbolicTensor]) as SymbolicTensor;
}

/**
 * One ToST block (ToST, arXiv 2412.17810, "Where TSSA sits in a ToST block"), pre-norm:
 * `x ← x + γ1 ⊙ attn(LN1(x))`, `x ← x + γ2 ⊙ MLP(LN2(x))`, MLP = Dense(r·C) → GELU → Dense(C). With `shortConv: k`
 * the attention reads `h + conv_k(h)`, h = LN1(x) (see `ShortConvolution`).
 * Wired on SymbolicTensors (not a layer of layers) so that save/load and weight tracking come for free and each
 * sub-layer stays addressable by name (`<name>_ln1`, `_attn`, `_ln2`, `_mlp_fc1`, `_mlp_fc2`, `_attn_scale`, …).
 */
export function toSTBlock(
  x: SymbolicTensor,
  mask: SymbolicTensor | undefined,
  options: ToSTBlockOptions,
): SymbolicTensor {
  const { attention, dim, name, mlpRatio = 4, layerScaleInit, dropPath = 0, dropout = 0 } = options;
  const layers = options.layers ?? new LayerCache();
  const epsilon = options.layerNormEpsilon ?? 1e-6;
  let h1 = layerNorm(layers, `${name}_ln1`, epsilon).apply(x) as SymbolicTensor;
  h1 = maybeShortConv(h1, options.shortConv, { name, dim, layers });
  const a = applyAttention(attention, h1, mask, layers);
  const x1 = residualBranch(x, a, { name: `${name}_attn`, dim, dropout, layerScaleInit, dropPath, layers });
  const h2 = layerNorm(layers, `${name}_ln2`, epsilon).apply(x1) as SymbolicTensor;
  const m = mlp(h2, { name: `${name}_mlp`, dim, hidden: Math.round(mlpRatio * dim), dropout, layers });
  return residualBranch(x1, m, { name: `${name}_mlp`, dim, dropout, layerScaleInit, dropPath, layers });
}
