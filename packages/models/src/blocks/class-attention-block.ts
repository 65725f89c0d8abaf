import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { ClassAttention } from '../layers/class-attention.js';
import { LayerCache } from '../generation/layer-cache.js';
import { TokenRange } from '../layers/token-range.js';
import { layerNorm, mlp, residualBranch } from './tost-block.js';

export interface ClassAttentionBlockOptions {
  dim: number;
  heads: number;
  mlpRatio?: number;
  layerScaleInit?: number | false;
  dropout?: number;
  attentionDropout?: number;
  layerNormEpsilon?: number;
  name: string;
  /** Return only the updated CLS token [B, 1, C] instead of [CLS, tokens…] (when nothing reads the tokens after). */
  clsOnly?: boolean;
  /** Layers by name: wiring the block twice with one cache shares its weights (the dual encoder). Default: fresh. */
  layers?: LayerCache;
}

/**
 * Class-attention block (CaiT, arXiv 2103.17239 §3.2; XCiT, arXiv 2106.09681 §3) on x = [CLS, tokens…] [B, 1 + N, C]:
 * only the CLS token is updated, in pre-norm residual form, `cls ← cls + γ1 ⊙ CA(LN1(x))`, then
 * `cls ← cls + γ2 ⊙ MLP(LN2(cls))`; the other tokens pass through unchanged (nothing downstream reads them: the head
 * takes the CLS token). The weights are XCiT's, but the function is not the released `ClassAttentionBlock.forward`:
 * that one adds the MLP branch to LN2(x) rather than to x (and with `tokens_norm=True` also normalises every token),
 * so a checkpoint of the authors' ToST needs their form — `@tost/convert` builds it. Trained from scratch, as here,
 * both are class-attention heads of the same cost.
 */
export function classAttentionBlock(
  x: SymbolicTensor,
  mask: SymbolicTensor | undefined,
  options: ClassAttentionBlockOptions,
): SymbolicTensor {
  const { dim, heads, name, mlpRatio = 4, layerScaleInit, dropout = 0, layers = new LayerCache() } = options;
  const epsilon = options.layerNormEpsilon ?? 1e-6;
  const h = layerNorm(layers, `${name}_ln1`, epsilon).apply(x) as SymbolicTensor;
  const attention = layers.get(
    `${name}_attn`,
    () => new ClassAttention({ dim, heads, dropout: options.attentionDropout, name: `${name}_attn` }),
  );
  const update = attention.apply(mask ? [h, mask] : h) as SymbolicTensor;
  const cls = layers
    .get(`${name}_cls`, () => new TokenRange({ start: 0, size: 1, name: `${name}_cls` }))
    .apply(x) as SymbolicTensor;
  const branch = { dim, dropout, layerScaleInit, layers };
  const cls1 = residualBranch(cls, update, { ...branch, name: `${name}_attn` });
  const h2 = layerNorm(layers, `${name}_ln2`, epsilon).apply(cls1) as SymbolicTensor;
  const m = mlp(h2, { name: `${name}_mlp`, dim, hidden: Math.round(mlpRatio * dim), dropout, layers });
  const cls2 = residualBranch(cls1, m, { ...branch, name: `${name}_mlp` });
  if (options.clsOnly) return cls2;
  const rest = layers
    .get(`${name}_tokens`, () => new TokenRange({ start: 1, name: `${name}_tokens` }))
    .apply(x) as SymbolicTensor;
  return layers
    .get(`${name}_concat`, () => tfl.layers.concatenate({ axis: 1, name: `${name}_concat` }))
    .apply([cls2, rest]) as SymbolicTensor;
}
