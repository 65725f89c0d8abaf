import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { createAttentionForSlot, type AttentionSpec } from './attention-slot.js';
import { crateBlock } from './crate-block.js';
import { LayerCache } from './layer-cache.js';
import { toSTBlock } from './tost-block.js';
import {
  describeValue,
  requireDivides,
  requireNonNegativeNumber,
  requireOneOf,
  requirePositiveInteger,
  requirePositiveNumber,
  requireRate,
} from './validation.js';

export type BlockKind = 'tost' | 'crate';

/** Options of a stack of blocks (shared by every builder). */
export interface BlockStackOptions {
  dim: number;
  depth: number;
  heads: number;
  /** MLP width = mlpRatio·dim in ToST blocks (default 4). */
  mlpRatio?: number;
  /** Registered attention name or factory; default 'tssa' for ToST blocks, 'mssa' for CRATE blocks. */
  attention?: AttentionSpec;
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

export interface ValidatedBlockStack extends Required<Omit<BlockStackOptions, 'layerScaleInit'>> {
  layerScaleInit: number | false;
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
  if (typeof attention !== 'string' && typeof attention !== 'function') {
    throw new TypeError(
      `${owner}: option 'attention' must be a registered name or a factory (options) => AttentionLayer, ` +
        `got ${describeValue(attention)}`,
    );
  }
  const layerScaleInit = options.layerScaleInit ?? defaults.layerScaleInit;
  if (layerScaleInit !== false) requirePositiveNumber(owner, 'layerScaleInit', layerScaleInit);
  return {
    dim,
    depth,
    heads,
    block,
    attention,
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
        stack.attention,
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
