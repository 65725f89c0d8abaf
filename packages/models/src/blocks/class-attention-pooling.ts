import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { classAttentionBlock } from './class-attention-block.js';
import { ClsToken } from '../layers/cls-token.js';
import type { LayerCache } from '../generation/layer-cache.js';
import { PaddingMask } from '../layers/padding-mask.js';
import { TokenPooling } from '../layers/token-pooling.js';

export interface ClassAttentionPoolingOptions {
  dim: number;
  heads: number;
  mlpRatio: number;
  layerScaleInit: number | false;
  dropout: number;
  attentionDropout: number;
  layerNormEpsilon: number;
  /** The id that marks padding in `ids` (null: every position is a real token, e.g. pixels). */
  padId: number | null;
  layers: LayerCache;
}

/**
 * The ToST/XCiT head as a pooling: a learned CLS token (N(0, 0.02), as XCiT's `cls_token`) is prepended to the
 * encoded tokens x [B, N, C] and ONE class-attention block updates it — softmax attention with the CLS token as the
 * only query and every real token (padding masked out) as key and value, then an MLP. Cost O(N·C²) + O(N·C): linear
 * in N whatever the encoder's attention. Returns the pooled vector [B, C] (not yet normalised).
 *
 * Source: the class-attention layers of CaiT (Touvron et al., arXiv:2103.17239) as used by XCiT (El-Nouby et al.,
 * arXiv:2106.09681), which the ToST vision model ends with (Wu et al., ICLR 2025, arXiv:2412.17810). One block, not
 * XCiT's two: a single learned query over all tokens.
 */
export function classAttentionPooling(
  x: SymbolicTensor,
  ids: SymbolicTensor,
  options: ClassAttentionPoolingOptions,
): SymbolicTensor {
  const { dim, layers } = options;
  const { padId } = options;
  // Without a pad id every position is real: no mask at all (a mask of ones would only cost a bias add).
  const mask =
    padId === null
      ? undefined
      : (layers
          .get('pooling_mask', () => new PaddingMask({ prependCls: true, padId, name: 'pooling_mask' }))
          .apply(ids) as SymbolicTensor);
  const withCls = layers
    .get('pooling_cls_token', () => new ClsToken({ dim, initStddev: 0.02, name: 'pooling_cls_token' }))
    .apply(x) as SymbolicTensor;
  const cls = classAttentionBlock(withCls, mask, {
    dim,
    heads: options.heads,
    mlpRatio: options.mlpRatio,
    layerScaleInit: options.layerScaleInit,
    dropout: options.dropout,
    attentionDropout: options.attentionDropout,
    layerNormEpsilon: options.layerNormEpsilon,
    name: 'pooling_block',
    clsOnly: true,
    layers,
  });
  return layers
    .get('pooling', () => new TokenPooling({ mode: 'cls', name: 'pooling' }))
    .apply(cls) as SymbolicTensor;
}
