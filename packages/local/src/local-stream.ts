import * as tf from '@tensorflow/tfjs-core';
import type { StateSpec, StateTensors, StreamingState } from '@tost/attention';

/**
 * Streaming state of causal local attention: the keys and values of the last w·d tokens (all of them until there are
 * that many: `cached` grows from 0 to w·d), [batch, heads, cached, p] — the only ones a later query can still reach.
 * O(w·d·p) per head.
 */
export const LOCAL_STATE = {
  keys: { shape: ['batch', 'heads', 'cached', 'headDim'] },
  values: { shape: ['batch', 'heads', 'cached', 'headDim'] },
} as const satisfies StateSpec;

export type LocalAttentionState = StreamingState<typeof LOCAL_STATE>;

/**
 * One decoding step on projected heads: the new token's q, k, v [batch, heads, 1, p] (q already scaled) against the
 * cached keys. The new token attends to itself and the cached tokens w·d, 2·d, … back — positions t − j·d for
 * j = 0 … w that exist — with a softmax over exactly those (the causal full forward's row t). Returns the output
 * [batch, heads, 1, p] and the keys and values to keep for the next step (the last `span` = w·d tokens).
 */
export function localAttentionStep(
  state: StateTensors<typeof LOCAL_STATE>,
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { window, dilation }: { window: number; dilation: number },
): { out: tf.Tensor4D; keys: tf.Tensor4D; values: tf.Tensor4D } {
  const keys = tf.concat([state.keys, k], 2) as tf.Tensor4D;
  const values = tf.concat([state.values, v], 2) as tf.Tensor4D;
  const [batch, heads, cached, p] = keys.shape;
  const reachable: number[] = [];
  for (let j = 0; j <= window && cached - 1 - j * dilation >= 0; j++) reachable.push(cached - 1 - j * dilation);
  const index = tf.tensor1d(reachable, 'int32');
  const ks = tf.gather(keys, index, 2);
  const vs = tf.gather(values, index, 2);
  const weights = tf.softmax(tf.matMul(q, ks, false, true));
  const out = tf.matMul(weights, vs) as tf.Tensor4D;
  const span = Math.min(cached, window * dilation);
  return {
    out,
    keys: tf.slice(keys, [0, 0, cached - span, 0], [batch, heads, span, p]),
    values: tf.slice(values, [0, 0, cached - span, 0], [batch, heads, span, p]),
  };
}
