import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { StreamingAttention } from '../streaming.js';

/** The `position` a state carries, when it has one (a number); `undefined` otherwise. */
export function positionOf(state: unknown): number | undefined {
  const p = (state as { position?: unknown } | null)?.position;
  return typeof p === 'number' ? p : undefined;
}

/** What `stepThrough` returns: everything is the caller's to dispose. */
export interface SteppedTokens<State> {
  /** The output of each step, [batch, dim] each, in token order. */
  outputs: tf.Tensor2D[];
  /** The state after each step, in token order (the state passed in is not among them). */
  states: State[];
}

/**
 * Feeds tokens [from, to) of x [batch, seq, dim] (float32; not disposed) to `layer.step` one at a time, starting
 * from `state` (not disposed), and checks that a state carrying a numeric `position` advances it by one per token.
 * The caller owns what it returns: `tf.dispose(outputs)` and `layer.disposeState` on each state (see
 * `disposeStepped`). The token slices it makes are disposed before it returns.
 *
 * @param from first token (default 0); to one past the last (default seq).
 * @throws RangeError when 0 ≤ from ≤ to ≤ seq does not hold; an assertion failure (vitest) when a position does not
 *   advance by one.
 */
export function stepThrough<State>(
  layer: StreamingAttention<State>,
  state: State,
  x: tf.Tensor,
  from = 0,
  to: number = x.shape[1]!,
  label = 'layer',
): SteppedTokens<State> {
  if (x.rank !== 3)
    throw new RangeError(`stepThrough: x must be [batch, seq, dim], got shape [${x.shape.join(', ')}]`);
  const [batch, seq, dim] = x.shape as [number, number, number];
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= seq)) {
    throw new RangeError(
      `stepThrough: expected integers 0 ≤ from ≤ to ≤ ${seq} (x has ${seq} tokens), got ${from}, ${to}`,
    );
  }
  const outputs: tf.Tensor2D[] = [];
  const states: State[] = [];
  let current = state;
  for (let t = from; t < to; t++) {
    const xt = tf.tidy(() => tf.reshape(tf.slice(x, [0, t, 0], [batch, 1, dim]), [batch, dim]));
    let result: { output: tf.Tensor2D; state: State };
    try {
      result = layer.step(current, xt);
    } finally {
      xt.dispose();
    }
    outputs.push(result.output);
    states.push(result.state);
    const before = positionOf(current);
    if (before !== undefined) {
      expect(positionOf(result.state), `${label}: position after the step over token ${t}`).toBe(before + 1);
    }
    current = result.state;
  }
  return { outputs, states };
}

/** Disposes what `stepThrough` returned. */
export function disposeStepped<State>(layer: StreamingAttention<State>, stepped: SteppedTokens<State>): void {
  tf.dispose(stepped.outputs);
  stepped.states.forEach((s) => layer.disposeState(s));
}
