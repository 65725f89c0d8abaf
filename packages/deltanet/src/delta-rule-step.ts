import * as tf from '@tensorflow/tfjs-core';

/**
 * One token of the (gated) delta rule for every sample and head — the recurrent form used by streaming `step`
 * (Yang et al., arXiv 2406.06484, eq. 1; the gate of Gated DeltaNet, arXiv 2412.06464, eq. 10). With the state
 * S [p, p] (key rows, value columns) and row vectors q, k, v:
 *
 *   S ← α·S;  u = β·(v − k·S);  S ← S + kᵀ·u;  o = q·S     (= α(I − β kᵀk)S + β kᵀv)
 *
 * Element-wise only (a batched matMul is slow on wasm): O(heads·p²) per token, whatever the position.
 *
 * @param state [batch, heads, p, p]; @param q, k, v [batch, heads, p]; @param beta [batch, heads];
 * @param logDecay γ = log α [batch, heads], omitted = no decay.
 * @returns the output [batch, heads, p] and the new state (the input state is not disposed).
 */
export function deltaRuleStep(
  state: tf.Tensor4D,
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  beta: tf.Tensor2D,
  logDecay?: tf.Tensor2D,
): { output: tf.Tensor3D; state: tf.Tensor4D } {
  const [batch, heads, p] = q.shape;
  return tf.tidy(() => {
    let s: tf.Tensor = state;
    if (logDecay) s = tf.mul(s, tf.reshape(tf.exp(logDecay), [batch, heads, 1, 1]));
    const kColumn = tf.reshape(k, [batch, heads, p, 1]);
    const read = tf.sum(tf.mul(kColumn, s), 2); // k·S, [batch, heads, p]
    const u = tf.mul(tf.sub(v, read), tf.reshape(beta, [batch, heads, 1]));
    const next = tf.add(s, tf.mul(kColumn, tf.reshape(u, [batch, heads, 1, p])));
    const output = tf.sum(tf.mul(tf.reshape(q, [batch, heads, p, 1]), next), 2);
    return { output: output as tf.Tensor3D, state: next as tf.Tensor4D };
  });
}
