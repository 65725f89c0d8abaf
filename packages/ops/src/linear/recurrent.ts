import * as tf from '@tensorflow/tfjs-core';

/**
 * One token of causal linear attention as a recurrence ("Transformers are RNNs", arXiv 2006.16236 §3.4): the state
 * S [batch, heads, f, d] becomes λ·S + kᵀ·v and the output is o = q·S (the token sees itself), for q, k
 * [batch, heads, f] and v [batch, heads, d]. λ: omitted (1), one constant per head (`decay`), or a [batch, heads]
 * tensor (data-dependent). Feeding tokens 0…t gives the outputs of `chunkLinearAttention` at 0…t, and its
 * `finalState`. Elementwise only (a batched matMul of one row is slow on wasm); costs O(heads·f·d) per token
 * whatever the position.
 * @returns the output [batch, heads, d] and the new state (the input state is not disposed).
 * @throws RangeError when `decay` is neither one number per head nor a [batch, heads] tensor.
 */
export function recurrentLinearAttentionStep(
  state: tf.Tensor4D,
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  decay?: readonly number[] | tf.Tensor2D,
): { output: tf.Tensor3D; state: tf.Tensor4D } {
  const [batch, heads, f, d] = state.shape;
  if (decay !== undefined) {
    const fits =
      decay instanceof tf.Tensor
        ? decay.rank === 2 && decay.shape[0] === batch && decay.shape[1] === heads
        : Array.isArray(decay) && decay.length === heads;
    if (!fits) {
      const given =
        decay instanceof tf.Tensor
          ? `a tensor of shape [${decay.shape.join(', ')}]`
          : Array.isArray(decay)
            ? `[${decay.join(', ')}]`
            : String(decay);
      throw new RangeError(
        `recurrentLinearAttentionStep: 'decay' must be one λ per head (${heads} numbers) or a [batch, heads] = ` +
          `[${batch}, ${heads}] tensor, got ${given}`,
      );
    }
  }
  return tf.tidy(() => {
    let previous: tf.Tensor = state;
    if (decay) {
      const lambda = Array.isArray(decay)
        ? tf.tensor4d(decay as number[], [1, heads, 1, 1])
        : tf.reshape(decay as tf.Tensor, [batch, heads, 1, 1]);
      previous = tf.mul(state, lambda);
    }
    const next = tf.add(
      previous,
      tf.mul(tf.reshape(k, [batch, heads, f, 1]), tf.reshape(v, [batch, heads, 1, d])),
    );
    const output = tf.sum(tf.mul(tf.reshape(q, [batch, heads, f, 1]), next), 2);
    return { output: output as tf.Tensor3D, state: next as tf.Tensor4D };
  });
}
