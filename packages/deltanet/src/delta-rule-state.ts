import * as tf from '@tensorflow/tfjs-core';

/**
 * Streaming state of a DeltaNet / Gated DeltaNet layer: per sample and head the fast-weight memory S [p, p] (key rows,
 * value columns) of the delta rule — O(p²) per head, whatever the position. The caller owns the tensor.
 */
export interface DeltaRuleState {
  /** [batch, heads, p, p]. */
  memory: tf.Tensor4D;
}

/**
 * Checks a state against a layer with `heads` heads of width `headDim` (shape, not disposed); returns its batch size.
 * @throws TypeError for something that is not a state, RangeError (naming `state.memory`, the expected and the given
 *   shape) for a state of another layer — another head count or width — and Error for a disposed one.
 */
export function validateDeltaRuleState(
  state: unknown,
  heads: number,
  headDim: number,
  label: string,
): number {
  const memory = (state as Partial<DeltaRuleState> | null)?.memory;
  if (!(memory instanceof tf.Tensor)) {
    throw new TypeError(
      `${label}: argument 'state' must be a DeltaRuleState from initState ({memory: [batch, ${heads}, ${headDim}, ` +
        `${headDim}]}), got ${state === null || typeof state !== 'object' ? String(state) : 'an object without memory'}`,
    );
  }
  if (memory.isDisposed) throw new Error(`${label}: 'state.memory' has been disposed`);
  const [, h, a, b] = memory.shape;
  if (memory.rank !== 4 || h !== heads || a !== headDim || b !== headDim) {
    throw new RangeError(
      `${label}: 'state.memory' must have shape [batch, heads, p, p] = [batch, ${heads}, ${headDim}, ${headDim}], ` +
        `got [${memory.shape.join(', ')}] (a state of another layer?)`,
    );
  }
  return memory.shape[0]!;
}
