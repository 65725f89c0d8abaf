import type { StateSpec, StreamingState } from '@tost/attention';

/**
 * Streaming state of one causal Flow-Attention layer after `position` tokens: per sample and head the running sums
 * the causal flows need. Its size does not depend on `position` (O(p²) per head). The caller owns the tensors.
 */
export const CAUSAL_FLOW_STATE = {
  /** Σ φk, [batch, heads, p]. */
  sumKeys: { shape: ['batch', 'heads', 'headDim'] },
  /** Σ φq, [batch, heads, p]. */
  sumQueries: { shape: ['batch', 'heads', 'headDim'] },
  /** Σ φk·O (outgoing flow), [batch, heads, p]. */
  sumKeyOutgoing: { shape: ['batch', 'heads', 'headDim'] },
  /** Σ φq·I (incoming flow), [batch, heads, p]. */
  sumQueryIncoming: { shape: ['batch', 'heads', 'headDim'] },
  /** Σ exp(Ô) (the running softmax's denominator), [batch, heads, 1]. */
  sumCompetition: { shape: ['batch', 'heads', 1] },
  /** Σ φk ⊗ c·v, [batch, heads, p, p]. */
  keyValue: { shape: ['batch', 'heads', 'headDim', 'headDim'] },
} as const satisfies StateSpec;

/** The sums and `position`, the tokens consumed so far (r of the next token is position + 1). */
export type CausalFlowState = StreamingState<typeof CAUSAL_FLOW_STATE>;
