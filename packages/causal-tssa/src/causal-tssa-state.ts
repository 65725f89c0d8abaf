import type { StateSpec, StreamingState } from '@tost/attention';

/**
 * Streaming-decoding state of one CausalTSSA layer after `position` tokens (ToST, arXiv 2412.17810, "Streaming
 * property"): per sample and head, the three running sums the causal statistics need. Its size does not depend on
 * `position`. The caller owns the tensors: dispose them with the layer's `disposeState`.
 */
export const CAUSAL_TSSA_STATE = {
  /** Σ_{i<position} w², [batch, heads, p]. */
  sumSquares: { shape: ['batch', 'heads', 'headDim'] },
  /** Σ_{i<position} Π·w², [batch, heads, p]. */
  sumPiSquares: { shape: ['batch', 'heads', 'headDim'] },
  /** Σ_{i<position} Π, [batch, heads, 1]. */
  sumPi: { shape: ['batch', 'heads', 1] },
} as const satisfies StateSpec;

/** The three sums and `position`, the number of tokens consumed so far (the position of the next token). */
export type CausalTSSAState = StreamingState<typeof CAUSAL_TSSA_STATE>;
