import * as tf from '@tensorflow/tfjs-core';

/**
 * Gated Linear Attention token by token, straight from its definition (arXiv 2312.06635, §3): per sample and head,
 * S_t = diag(α_t)·S_{t−1} + k_tᵀ·v_t and o_t = q_t·S_t with α_t = e^{g_t}. For tests only: O(N) sequential steps,
 * each a [p, p] state, differentiated by autodiff (which keeps every per-token state). Same arguments and results as
 * `gatedLinearAttention` (q, k, v, logGate [batch, heads, N, p], optional initial state [batch, heads, p, p]), without
 * its numerical guards.
 */
export function gatedLinearAttentionNaive(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  logGate: tf.Tensor4D,
  initialState?: tf.Tensor4D,
): { output: tf.Tensor4D; state: tf.Tensor4D } {
  const [batch, heads, seq, p] = q.shape;
  return tf.tidy(() => {
    let state: tf.Tensor = initialState ?? tf.zeros([batch, heads, p, p]);
    const token = (t: tf.Tensor4D, i: number) => tf.slice(t, [0, 0, i, 0], [batch, heads, 1, p]);
    const outputs: tf.Tensor[] = [];
    for (let i = 0; i < seq; i++) {
      const alpha = tf.reshape(tf.exp(token(logGate, i)), [batch, heads, p, 1]);
      const kv = tf.mul(tf.reshape(token(k, i), [batch, heads, p, 1]), token(v, i));
      state = tf.add(tf.mul(state, alpha), kv);
      outputs.push(tf.sum(tf.mul(tf.reshape(token(q, i), [batch, heads, p, 1]), state), 2, true));
    }
    const output = seq > 0 ? tf.concat(outputs, 2) : tf.zeros([batch, heads, 0, p]);
    return { output: output as tf.Tensor4D, state: state as tf.Tensor4D };
  });
}
