import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { AttentionLayer } from '@tost/attention';
import { ISTA } from '../layers/ista.js';
import { LayerCache } from '../generation/layer-cache.js';
import { applyAttention, layerNorm, maybeShortConv, residualBranch } from './tost-block.js';

export interface CrateBlockOptions {
  /** The block's attention (CRATE uses MSSA; any attention works). */
  attention: AttentionLayer;
  dim: number;
  /** ISTA step size η and sparsity λ (both 0.1 in CRATE). */
  eta?: number;
  lambda?: number;
  dropout?: number;
  dropPath?: number;
  layerNormEpsilon?: number;
  name: string;
  layers?: LayerCache;
  /** Width k of a causal short convolution added to the normalised input before the attention (0 = none). */
  shortConv?: number;
}

/**
 * One CRATE layer (CRATE, arXiv 2306.01129): `Z½ = Z + attn(LN1(Z))`, then `Z⁺ = ISTA(LN2(Z½))` — no residual around ISTA,
 * its output replaces the stream.
 */
export function crateBlock(
  x: SymbolicTensor,
  mask: SymbolicTensor | undefined,
  options: CrateBlockOptions,
): SymbolicTensor {
  const { attention, dim, name, dropout = 0, dropPath = 0 } = options;
  const layers = options.layers ?? new LayerCache();
  const epsilon = options.layerNormEpsilon ?? 1e-5;
  let h1 = layerNorm(layers, `${name}_ln1`, epsilon).apply(x) as SymbolicTensor;
  h1 = maybeShortConv(h1, options.shortConv, { name, dim: options.dim, layers });
  const a = applyAttention(attention, h1, mask, layers);
  const half = residualBranch(x, a, { name: `${name}_attn`, dim, dropout, dropPath, layers });
  const h2 = layerNorm(layers, `${name}_ln2`, epsilon).apply(half) as SymbolicTensor;
  const ista = layers.get(
    `${name}_ista`,
    () => new ISTA({ dim, eta: options.eta, lambda: options.lambda, name: `${name}_ista` }),
  );
  return ista.apply(h2) as SymbolicTensor;
}
