import type { StateSpec, StreamingState } from '@tost/attention';

/**
 * Streaming state of a causal linear attention layer after some tokens: per sample and head the running sum
 * S = Σ φ(k)ᵀ·v' [batch, heads, p, width] ("Transformers are RNNs", arXiv 2006.16236 §3.4). For `linear-causal`
 * v' = [v, 1] (width p + 1), so the last column is the normaliser z = Σ φ(k). Its size does not depend on the position.
 */
export const LINEAR_STATE = {
  sum: { shape: ['batch', 'heads', 'headDim', 'width'] },
} as const satisfies StateSpec;

export type LinearAttentionState = StreamingState<typeof LINEAR_STATE>;
