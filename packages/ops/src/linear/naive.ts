import * as tf from '@tensorflow/tfjs-core';
import { checkShapes } from './shapes.js';

/** The weighting of `naiveLinearAttention`: non-causal, or causal with an optional decay and initial state. */
export interface NaiveLinearAttentionOptions {
  /** Causal (s ≤ t) weights; default true. Non-causal ignores `decay`, `logDecay` and `initialState`. */
  causal?: boolean;
  /** Per-head constant decay γ_h ∈ (0, 1]: weight γ^(t−s); the initial state is weighted γ^(t+1). */
  decay?: readonly number[];
  /** Cumulative log-decay c [batch, heads, seq]: weight e^(c_t − c_s); the initial state is weighted e^(c_t). */
  logDecay?: tf.Tensor3D;
  /** State of earlier tokens [batch, heads, f, d] (see `chunkLinearAttention`). */
  initialState?: tf.Tensor4D;
}

/**
 * The quadratic form of (causal, decayed) linear attention: O = ((q·kᵀ) ⊙ W)·v (+ (w₀ ⊙ q)·S₀), W[t, s] = w(t, s)
 * for s ≤ t and 0 above the diagonal, for q, k [batch, heads, seq, f] and v [batch, heads, seq, d]. O(N²) time and
 * memory: a reference for `chunkLinearAttention` and `nonCausalLinearAttention` on short sequences, differentiated by
 * autodiff (the decay is treated as a constant). Not masked against non-finite later tokens.
 * @throws RangeError when the shapes do not match.
 */
export function naiveLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: NaiveLinearAttentionOptions = {},
): tf.Tensor4D {
  checkShapes('naiveLinearAttention', q, k, v);
  const [batch, heads, n] = q.shape;
  const { causal = true, decay, logDecay, initialState } = options;
  return tf.tidy(() => {
    const scores = tf.matMul(q, k, false, true);
    if (!causal) return tf.matMul(scores, v) as tf.Tensor4D;
    const lower = tf.linalg.bandPart(tf.ones([n, n]), -1, 0);
    const t = tf.reshape(tf.range(0, n), [n, 1]);
    let weights: tf.Tensor = lower;
    let initialWeights: tf.Tensor = tf.ones([1, 1, n, 1]);
    if (decay) {
      const gap = tf.maximum(tf.sub(t, tf.reshape(tf.range(0, n), [1, n])), 0);
      weights = tf.reshape(tf.stack(decay.map((g) => tf.mul(tf.pow(g, gap), lower))), [1, heads, n, n]);
      initialWeights = tf.reshape(tf.stack(decay.map((g) => tf.pow(g, tf.add(t, 1)))), [1, heads, n, 1]);
    } else if (logDecay) {
      const c = tf.reshape(logDecay, [batch, heads, n, 1]);
      const diff = tf.sub(c, tf.reshape(logDecay, [batch, heads, 1, n]));
      weights = tf.mul(tf.exp(tf.minimum(diff, 0)), lower);
      initialWeights = tf.exp(c);
    }
    let out = tf.matMul(tf.mul(scores, weights), v);
    if (initialState) out = tf.add(out, tf.matMul(tf.mul(q, initialWeights), initialState));
    return out as tf.Tensor4D;
  });
}
