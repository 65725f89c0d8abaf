import { validateStreamingState, type StateSpec, type StreamingState } from '@tost/attention';

/**
 * Streaming state of a DeltaNet / Gated DeltaNet layer: per sample and head the fast-weight memory S [p, p] (key rows,
 * value columns) of the delta rule — O(p²) per head, whatever the position. The caller owns the tensor: dispose it
 * with the layer's `disposeState`.
 */
export const DELTA_RULE_STATE = {
  /** [batch, heads, p, p]. */
  memory: { shape: ['batch', 'heads', 'headDim', 'headDim'] },
} as const satisfies StateSpec;

/** The memory [batch, heads, p, p] and `position`, the number of tokens consumed so far. */
export type DeltaRuleState = StreamingState<typeof DELTA_RULE_STATE>;

/**
 * Checks a state against a layer with `heads` heads of width `headDim` (shape, not disposed, `position` a
 * non-negative integer) — the check of the layer's `validateState` — and returns its batch size.
 * @throws TypeError for something that is not a state, RangeError (naming `state.memory`, the expected and the given
 *   shape) for a state of another layer — another head count or width — or naming `state.position`, and Error for a
 *   disposed one.
 */
export function validateDeltaRuleState(
  state: unknown,
  heads: number,
  headDim: number,
  label: string,
): number {
  return validateStreamingState(DELTA_RULE_STATE, state, { heads, headDim }, label);
}
