import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { createAttentionForSlot, type AttentionSpec } from './attention-slot.js';
import { crateBlock } from './crate-block.js';
import { LayerCache } from '../generation/layer-cache.js';
import { requireShortConv } from '../layers/short-convolution.js';
import { toSTBlock } from './tost-block.js';
import {
  describeValue,
  requireDivides,
  requireNonNegativeNumber,
  requireOneOf,
  requirePositiveInteger,
  requirePositiveNumber,
  requireRate,
} from '../util/validation.js';

export type BlockKind = 'tost' | 'crate';

/**
 * The attention of every block: one spec for all, a list with one entry per block (`['tssa', 'softmax']`: a TSSA
 * block then a softmax block), or a default with per-block exceptions (`{ default: 'tssa', layers: { 3: 'softmax' } }`),
 * as flash-linear-attention's `attn.layers` and x-transformers' layer patterns.
 */
export type AttentionStackSpec =
  | AttentionSpec
  | readonly AttentionSpec[]
  | { default: AttentionSpec; layers: Readonly<Record<number, AttentionSpec>> };

/** Options of a stack of blocks (shared by every builder). */
export interface BlockStackOptions {
  dim: number;
  depth: number;
  heads: number;
  /** MLP width = mlpRatio·dim in ToST blocks (default 4). */
  mlpRatio?: number;
  /**
   * Registered attention name or factory, or one per block (see `AttentionStackSpec`: hybrid stacks); default 'tssa'
   * for ToST blocks, 'mssa' for CRATE blocks.
   */
  attention?: AttentionStackSpec;
  /**
   * Width k ≥ 2 of a causal depth-wise convolution added to the normalised block input before the attention
   * (`h ← h + conv_k(h)`, see `ShortConvolution`); default off.
   */
  shortConv?: number;
  /** 'tost' (attention + MLP, default) or 'crate' (attention + ISTA). */
  block?: BlockKind;
  /** Dropout after attention and in the MLP. */
  dropout?: number;
  /** Dropout inside the attention (its `dropout` option). */
  attentionDropout?: number;
  /** Layer-scale γ init for ToST blocks; false = none. */
  layerScaleInit?: number | false;
  /** Stochastic-depth rate (0 = none). */
  dropPath?: number;
  layerNormEpsilon?: number;
  /** ISTA step size and sparsity of CRATE blocks. */
  eta?: number;
  lambda?: number;
}

export interface ValidatedBlockStack extends Required<
  Omit<BlockStackOptions, 'layerScaleInit' | 'attention' | 'shortConv'>
> {
  layerScaleInit: number | false;
  /** The attention as given (or the default). */
  attention: AttentionStackSpec;
  /** One attention per block. */
  attentions: AttentionSpec[];
  /** 0 = no short convolution. */
  shortConv: number;
}

const isSpec = (value: unknown): value is AttentionSpec =>
  typeof value === 'string' || typeof value === 'function';

/** One attention spec per block from `attention` (see `AttentionStackSpec`); throws naming the bad entry. */
export function attentionPerBlock(owner: string, attention: unknown, depth: number): AttentionSpec[] {
  const expected =
    'a registered name, a factory (options) => AttentionLayer, a list with one per block, or { default, layers: { index: name } }';
  if (isSpec(attention)) return Array.from({ length: depth }, () => attention);
  if (Array.isArray(attention)) {
    if (attention.length !== depth) {
      throw new RangeError(
        `${owner}: option 'attention' lists ${attention.length} attentions, but depth is ${depth} (one per block)`,
      );
    }
    attention.forEach((entry: unknown, i) => {
      if (!isSpec(entry)) {
        throw new TypeError(
          `${owner}: option 'attention[${i}]' must be ${expected}, got ${describeValue(entry)}`,
        );
      }
    });
    return [...(attention as AttentionSpec[])];
  }
  if (attention !== null && typeof attention === 'object' && 'default' in attention) {
    const { default: fallback, layers } = attention as { default: unknown; layers?: unknown };
    if (!isSpec(fallback)) {
      throw new TypeError(
        `${owner}: option 'attention.default' must be ${expected}, got ${describeValue(fallback)}`,
      );
    }
    const list: AttentionSpec[] = Array.from({ length: depth }, () => fallback);
    if (layers === undefined) return list;
    if (layers === null || typeof layers !== 'object' || Array.isArray(layers)) {
      throw new TypeError(
        `${owner}: option 'attention.layers' must be an object { blockIndex: attention }, got ${describeValue(layers)}`,
      );
    }
    for (const [key, entry] of Object.entries(layers)) {
      const index = Number(key);
      if (!/^\d+$/.test(key) || index >= depth) {
        throw new RangeError(
          `${owner}: option 'attention.layers' has key '${key}', expected a block index 0 … ${depth - 1}`,
        );
      }
      if (!isSpec(entry)) {
        throw new TypeError(
          `${owner}: option 'attention.layers[${key}]' must be ${expected}, got ${describeValue(entry)}`,
        );
      }
      list[index] = entry;
    }
    return list;
  }
  throw new TypeError(`${owner}: option 'attention' must be ${expected}, got ${describeValue(attention)}`);
}

/** Validates the stack options once, naming the builder in every message. */
export function validateBlockStack(
  owner: string,
  options: BlockStackOptions,
  defaults: { layerScaleInit: number | false; layerNormEpsilon: number },
): ValidatedBlockStack {
  const dim = requirePositiveInteger(owner, 'dim', options.dim);
  const depth = requirePositiveInteger(owner, 'depth', options.depth);
  const heads = requirePositiveInteger(owner, 'heads', options.heads);
  requireDivides(owner, heads, dim);
  const block = requireOneOf(owner, 'block', options.block, ['tost', 'crate'] as const, 'tost');
  const attention = options.attention ?? (block === 'crate' ? 'mssa' : 'tssa');
  const attentions = attentionPerBlock(owner, attention, depth);
  const layerScaleInit = options.layerScaleInit ?? defaults.layerScaleInit;
  if (layerScaleInit !== false) requirePositiveNumber(owner, 'layerScaleInit', layerScaleInit);
  return {
    dim,
    depth,
    heads,
    block,
    attention,
    attentions,
    shortConv: requireShortConv(owner, options.shortConv),
    mlpRatio: requirePositiveNumber(owner, 'mlpRatio', options.mlpRatio, 4),
    dropout: requireRate(owner, 'dropout', options.dropout),
    attentionDropout: requireRate(owner, 'attentionDropout', options.attentionDropout),
    dropPath: requireRate(owner, 'dropPath', options.dropPath),
    layerScaleInit,
    layerNormEpsilon: requirePositiveNumber(
      owner,
      'layerNormEpsilon',
      options.layerNormEpsilon,
      defaults.layerNormEpsilon,
    ),
    eta: requirePositiveNumber(owner, 'eta', options.eta, 0.1),
    lambda: requireNonNegativeNumber(owner, 'lambda', options.lambda, 0.1),
  };
}

/**
 * Wires `depth` blocks named block0 … block{depth−1}. With a shared `layers` cache, a second call reuses the same
 * layers (and attentions): shared weights.
 */
export function blockStack(
  x: SymbolicTensor,
  mask: SymbolicTensor | undefined,
  stack: ValidatedBlockStack,
  {
    owner,
    causal,
    maxLength,
    layers = new LayerCache(),
    hint,
  }: { owner: string; causal: boolean | 'either'; maxLength?: number; layers?: LayerCache; hint?: string },
): SymbolicTensor {
  let h = x;
  for (let i = 0; i < stack.depth; i++) {
    const name = `block${i}`;
    const attention = layers.get(`${name}_attn`, () =>
      createAttentionForSlot(
        stack.attentions[i]!,
        {
          dim: stack.dim,
          heads: stack.heads,
          dropout: stack.attentionDropout,
          name: `${name}_attn`,
          maxLength,
        },
        { owner, causal, ...(hint !== undefined ? { hint } : {}) },
      ),
    );
    const common = {
      attention,
      dim: stack.dim,
      dropout: stack.dropout,
      dropPath: stack.dropPath,
      layerNormEpsilon: stack.layerNormEpsilon,
      name,
      layers,
      shortConv: stack.shortConv,
    };
    h =
      stack.block === 'crate'
        ? crateBlock(h, mask, { ...common, eta: stack.eta, lambda: stack.lambda })
        : toSTBlock(h, mask, { ...common, mlpRatio: stack.mlpRatio, layerScaleInit: stack.layerScaleInit });
  }
  return h;
}

/** Input dropout (a no-op layer is skipped when the rate is 0). */
export function maybeDropout(
  x: SymbolicTensor,
  rate: number,
  name: string,
  layers: LayerCache,
): SymbolicTensor {
  if (rate === 0) return x;
  return layers.get(name, () => tfl.layers.dropout({ rate, name })).apply(x) as SymbolicTensor;
}
