import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { ClassAttention } from './class-attention.js';
import { TokenRange } from './token-range.js';
import { mlp, residualBranch } from './tost-block.js';

export interface ClassAttentionBlockOptions {
  dim: number;
  heads: number;
  mlpRatio?: number;
  layerScaleInit?: number | false;
  dropout?: number;
  attentionDropout?: number;
  layerNormEpsilon?: number;
  name: string;
}

/**
 * XCiT/ToST class-attention block on x = [CLS, tokens…] [B, 1 + N, C]: only the CLS token is updated,
 * `cls ← cls + γ1 ⊙ CA(LN1(x))`, `cls ← cls + γ2 ⊙ MLP(LN2(cls))`; the other tokens pass through unchanged
 * (XCiT also rewrites them, but nothing downstream reads them: the head takes the CLS token). Same weights as XCiT.
 */
export function classAttentionBlock(
  x: SymbolicTensor,
  mask: SymbolicTensor | undefined,
  options: ClassAttentionBlockOptions,
): SymbolicTensor {
  const { dim, heads, name, mlpRatio = 4, layerScaleInit, dropout = 0 } = options;
  const epsilon = options.layerNormEpsilon ?? 1e-6;
  const h = tfl.layers.layerNormalization({ epsilon, name: `${name}_ln1` }).apply(x) as SymbolicTensor;
  const attention = new ClassAttention({
    dim,
    heads,
    dropout: options.attentionDropout,
    name: `${name}_attn`,
  });
  const update = attention.apply(mask ? [h, mask] : h) as SymbolicTensor;
  const cls = new TokenRange({ start: 0, size: 1, name: `${name}_cls` }).apply(x) as SymbolicTensor;
  const cls1 = residualBranch(cls, update, { name: `${name}_attn`, dim, dropout, layerScaleInit });
  const h2 = tfl.layers.layerNormalization({ epsilon, name: `${name}_ln2` }).apply(cls1) as SymbolicTensor;
  const m = mlp(h2, { name: `${name}_mlp`, dim, hidden: Math.round(mlpRatio * dim), dropout });
  const cls2 = residualBranch(cls1, m, { name: `${name}_mlp`, dim, dropout, layerScaleInit });
  const rest = new TokenRange({ start: 1, name: `${name}_tokens` }).apply(x) as SymbolicTensor;
  return tfl.layers.concatenate({ axis: 1, name: `${name}_concat` }).apply([cls2, rest]) as SymbolicTensor;
}
