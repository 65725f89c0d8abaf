import * as tf from '@tensorflow/tfjs-core';
import type { DeltaRuleInputs } from './delta-rule-chunked.js';

/**
 * The (gated) delta rule as a plain token loop over the definition — for tests only (O(N) ops; autodiff keeps a
 * [p, p] state per token). Per head, with the state S [p, p] (key rows, value columns) and row vectors:
 * `S_t = α_t (I − β_t k_tᵀk_t) S_{t−1} + β_t k_tᵀv_t`, `o_t = q_t S_t` (Yang et al., arXiv 2406.06484, eq. 1;
 * arXiv 2412.06464, eq. 10), written with the explicit [p, p] transition matrix — independent of the chunk-wise form
 * and of the streaming step's update. Same inputs and results as `chunkedDeltaRule` with `finalState: true`.
 */
export function deltaRuleReference(inputs: DeltaRuleInputs): {
  output: tf.Tensor4D;
  finalState: tf.Tensor4D;
} {
  const { q, k, v, beta, logDecay, initialState } = inputs;
  const [batch, heads, seq, p] = q.shape;
  return tf.tidy(() => {
    let state = (initialState ?? tf.zeros([batch, heads, p, p])) as tf.Tensor4D;
    const eye = tf.reshape(tf.eye(p), [1, 1, p, p]);
    const row = (t: tf.Tensor4D, i: number) => tf.slice(t, [0, 0, i, 0], [batch, heads, 1, p]); // [B, H, 1, p]
    const scalar = (t: tf.Tensor3D, i: number) =>
      tf.reshape(tf.slice(t, [0, 0, i], [batch, heads, 1]), [batch, heads, 1, 1]);
    const outputs: tf.Tensor[] = [];
    for (let i = 0; i < seq; i++) {
      const ki = row(k, i);
      const b = scalar(beta, i);
      const alpha = logDecay ? tf.exp(scalar(logDecay, i)) : tf.onesLike(b);
      const kOuter = tf.matMul(ki, ki, true, false); // kᵀk [B, H, p, p]
      const transition = tf.mul(alpha, tf.sub(eye, tf.mul(b, kOuter)));
      state = tf.add(
        tf.matMul(transition, state),
        tf.mul(b, tf.matMul(ki, row(v, i), true, false)),
      ) as tf.Tensor4D;
      outputs.push(tf.matMul(row(q, i), state)); // [B, H, 1, p]
    }
    const output = (seq ? tf.concat(outputs, 2) : tf.zeros([batch, heads, 0, p])) as tf.Tensor4D;
    return { output, finalState: state };
  });
}
