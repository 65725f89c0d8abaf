import * as tf from '@tensorflow/tfjs-core';
import {
  checkGroupBound,
  DEFAULT_GROUP_ELEMENTS,
  groupedAttention,
  groupPart,
  type AttentionWeightsForm,
} from '@tost/ops';

export interface SigmoidCoreOptions {
  /** Per-sample bias b [batch] added to every score (the layer passes −ln n, n = real tokens in the sample). */
  bias: tf.Tensor1D;
  /** [batch, seq], 1 = real token, 0 = padding: padded keys get weight exactly 0. Undefined: every key is real. */
  keyMask?: tf.Tensor2D;
  /** Query i only sees keys j ≤ i. */
  causal?: boolean;
  /**
   * Bound on the score elements (slices × seq × seq) computed at once (`headGroups` of @tost/ops; a slice larger
   * than it runs alone); default 2²⁰ (`DEFAULT_GROUP_ELEMENTS`). Any positive value gives the same result.
   */
  maxGroupElements?: number;
}

/**
 * Sigmoid attention core (Ramapuram et al., "Theory, Analysis, and Best Practices for Sigmoid Self-Attention",
 * arXiv 2409.04431, §3): `O_i = Σ_j sigmoid(q_i·k_j + b) v_j` over the allowed keys j, with no normalisation across
 * keys. q, k, v are [batch, heads, seq, p] with q already scaled by 1/√p; returns [batch, heads, seq, p].
 *
 * Masking is exact in the output: a disallowed key's weight is selected to 0 (never an additive constant), so NaN,
 * ±Infinity or huge scores there cannot leak into it. Its values must be finite (0·NaN is NaN), and for finite
 * gradients its key too (dQ = dZ·k): callers zero non-finite future keys and values of a causal layer first.
 *
 * Like the softmax baseline's fused path it runs over groups of (batch, head) slices (`groupedAttention` of
 * @tost/ops: batched matMuls over at most `maxGroupElements` score elements at a time, so short sequences batch many
 * heads and long ones run one head at a time) with a hand-written backward that keeps only q, k, v, the output and
 * the weights A = sigmoid(·) ([seq, seq] per head, as softmax keeps P) and never transposes an N×N matrix:
 * dVᵀ = dOᵀ·A, dA = dO·vᵀ, dZ = dA ⊙ A ⊙ (1 − A), dQ = dZ·k, dKᵀ = qᵀ·dZ. The bias and the mask get no gradient.
 *
 * @throws RangeError when maxGroupElements is not a positive number, naming it.
 */
export function sigmoidAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { bias, keyMask, causal = false, maxGroupElements = DEFAULT_GROUP_ELEMENTS }: SigmoidCoreOptions,
): tf.Tensor4D {
  checkGroupBound(maxGroupElements, "sigmoidAttention: option 'maxGroupElements'");
  return tf.tidy(() => {
    const [batch, , seq] = q.shape;
    // Built once per call: the keys each query may see, bool [batch or 1, 1, seq, seq] (undefined: all).
    const keys = keyMask ? tf.cast(tf.reshape(keyMask, [batch, 1, 1, seq]), 'bool') : undefined;
    const past = causal ? tf.cast(tf.linalg.bandPart(tf.ones([1, 1, seq, seq]), -1, 0), 'bool') : undefined;
    const allowed = (keys && past ? tf.logicalAnd(past, keys) : (keys ?? past)) as tf.Tensor4D | undefined;
    return groupedAttention(
      q,
      k,
      v,
      sigmoidForm(tf.reshape(bias, [batch, 1, 1, 1]), allowed),
      maxGroupElements,
    );
  });
}

/** sigmoid(scores + b) over the allowed keys, selected to 0 elsewhere; dS = dA ⊙ A ⊙ (1 − A). */
function sigmoidForm(bias: tf.Tensor4D, allowed: tf.Tensor4D | undefined): AttentionWeightsForm {
  return {
    weights: (scores, { group, heads }) => {
      const a = tf.sigmoid(tf.add(scores, groupPart(bias, heads, group))) as tf.Tensor3D;
      if (!allowed) return a;
      // Select, not multiply: sigmoid(NaN) is NaN, and 0·NaN would be too.
      return tf.where(
        tf.broadcastTo(groupPart(allowed, heads, group), a.shape),
        a,
        tf.zerosLike(a),
      ) as tf.Tensor3D;
    },
    // sigmoid' = A(1 − A); zero where A was selected to 0 (disallowed keys).
    scoresGradient: (a, dA) => tf.mul(dA, tf.mul(a, tf.sub(1, a))) as tf.Tensor3D,
  };
}
