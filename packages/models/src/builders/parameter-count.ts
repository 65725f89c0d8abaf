import type * as tfl from '@tensorflow/tfjs-layers';
import { getAttentionDescriptor } from '@tost/attention';
import '../register-variants.js';

/** Trainable parameters of a model (batch-norm moving statistics excluded, as PyTorch's parameter counts). */
export function countParameters(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}

const layerNorm = (c: number) => 2 * c;
const dense = (i: number, o: number, bias = true) => i * o + (bias ? o : 0);

/**
 * Parameters of one attention layer, from its registered descriptor (`parameterCount`), e.g.
 * `attentionParameters('tssa', {dim: 384, heads: 8})`.
 */
export function attentionParameters(
  attention: string,
  options: { dim: number; heads: number; useBias?: boolean; maxLength?: number },
): number {
  return getAttentionDescriptor(attention).parameterCount(options);
}

/** TSSA: projection U + u, temperature [H, 1], output projection V + v (its descriptor's count). */
export function tssaParameters(dim: number, heads: number): number {
  return attentionParameters('tssa', { dim, heads });
}

/** Causal TSSA: projection (bias optional), temperature [H, 1], denominator bias [H, maxLength, 1], output projection. */
export function causalTSSAParameters(dim: number, heads: number, maxLength: number, useBias = false): number {
  return attentionParameters('causal-tssa', { dim, heads, maxLength, useBias });
}

/** ToST block with layer scale: 2 LN, attention, 2 γ, MLP C → rC → C. */
function tostBlock(dim: number, attention: number, mlpRatio = 4): number {
  return 2 * layerNorm(dim) + attention + 2 * dim + dense(dim, mlpRatio * dim) + dense(mlpRatio * dim, dim);
}

export interface VisionCountOptions {
  dim: number;
  depth: number;
  heads: number;
  imageSize?: number;
  patchSize?: number;
  channels?: number;
  numClasses?: number;
}

/**
 * ToST vision, analytically: conv stem (bias-free 3×3 convs + batch-norm γ, β), Fourier positions through a 1×1 conv
 * (64 → C), depth TSSA blocks, CLS token, two class-attention blocks (4 C×C projections with bias + MLP + 2 LN + 2 γ),
 * final LN, linear head. Matches `buildVisionClassifier({block: 'tost', attention: 'tssa'})`.
 */
export function countToSTVisionParameters(o: VisionCountOptions): number {
  const { dim, depth, heads, patchSize = 16, channels = 3, numClasses = 1000 } = o;
  let stem = 0;
  let inChannels = channels;
  for (const out of stemChannels(dim, patchSize)) {
    stem += 9 * inChannels * out + 2 * out;
    inChannels = out;
  }
  const positions = dense(64, dim);
  const blocks = depth * tostBlock(dim, tssaParameters(dim, heads));
  const classAttention = 2 * tostBlock(dim, 4 * dense(dim, dim));
  return stem + positions + blocks + dim + classAttention + layerNorm(dim) + dense(dim, numClasses);
}

/** CRATE vision: patch LN → Linear → LN, CLS, N+1 learned positions, depth × (3C² + 5C), head LN + Linear. */
export function countCrateVisionParameters(o: VisionCountOptions): number {
  const { dim, depth, imageSize = 224, patchSize = 16, channels = 3, numClasses = 1000 } = o;
  const patchDim = patchSize * patchSize * channels;
  const tokens = (imageSize / patchSize) ** 2;
  const embedding = layerNorm(patchDim) + dense(patchDim, dim) + layerNorm(dim) + dim + (tokens + 1) * dim;
  const mssa = o.heads > 1 ? dim * dim + dense(dim, dim) : dim * dim;
  const layer = 2 * layerNorm(dim) + mssa + dim * dim;
  return embedding + depth * layer + layerNorm(dim) + dense(dim, numClasses);
}

export interface LanguageCountOptions {
  vocabSize: number;
  maxLength: number;
  dim: number;
  depth: number;
  heads: number;
  /** Bias on causal TSSA's projection (the authors: false). */
  attentionBias?: boolean;
}

/** ToST language model with causal TSSA: tied embedding, learned positions, blocks with layer scale, final LN. */
export function countToSTLanguageModelParameters(o: LanguageCountOptions): number {
  const { vocabSize, maxLength, dim, depth, heads, attentionBias = false } = o;
  const attention = causalTSSAParameters(dim, heads, maxLength, attentionBias);
  return vocabSize * dim + maxLength * dim + depth * tostBlock(dim, attention) + layerNorm(dim);
}

/** Stem widths for a power-of-two patch size: log2(P) stride-2 convs ending at C (C/8 → C/4 → C/2 → C for P = 16). */
export function stemChannels(dim: number, patchSize: number): number[] {
  const convs = Math.log2(patchSize);
  return Array.from({ length: convs }, (_, i) => dim / 2 ** (convs - 1 - i));
}
