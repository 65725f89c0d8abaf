import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_GROUP_ELEMENTS, groupedAttention, groupPart, type AttentionWeightsForm } from '@tost/ops';

export interface SigmoidCoreOptions {
  /** Per-sample bias b [batch] added to every score (the layer passes −ln n, n = real tokens in the sample). */
  bias: tf.Tensor1D;
  /** [batch, seq], 1 = real token, 0 = padding: padded keys get weight exactly 0. Undefined: every key is real. */
  keyMask?: tf.Tensor2D;
  /** Query i only sees keys j ≤ i. */
  causal?: boolean;
  /**
   * Bound on the score elements (slices × seq × seq) computed at once (`headGroups` of @tost/ops); default 2²²
   * (`DEFAULT_GROUP_ELEMENTS`). Any positive value gives the same result.
   */
  maxGroupElements?: number;
}

/**
 * Sigmoid attention core (Ramapuram et al., "Theory, Analysis, and Best Practices for Sigmoid Self-Attention",
 * arXiv 2409.04431, §3): `O_i = Σ_j sigmoid(q_i·k_j + b) v_j` over the allowed keys j, with no normalisation across
 * keys. q, k, v are [batch, heads, seq, p] with q already scaled by 1/√p; returns [batch, heads, seq, p].
 *
 * Masking is exact: a disallowed key's weight is selected to 0 (never an additive constant), so NaN, ±Infinity or
 * huge scores there cannot leak. Its values must be finite (0·NaN is NaN): callers zero non-finite future keys and
 * values of a causal layer first.
 *
 * Like the softmax baseline's fused path it runs over groups of (batch, head) slices (`headGroups` of @tost/ops:
 * batched matMuls over at most 2²² score elements at a time, so short sequences batch many heads and long ones run
 * one head at a time) with a hand-written backward that keeps only the inputs and the weights A = sigmoid(·)
 * ([seq, seq] per head, as softmax keeps P) and never transposes an N×N matrix:
 * dVᵀ = dOᵀ·A, dA = dO·vᵀ, dZ = dA ⊙ A ⊙ (1 − A), dQ = dZ·k, dKᵀ = qᵀ·dZ. The bias and the mask get no gradient.
 */
export function sigmoidAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { bias, keyMask, causal = false, maxGroupElements = DEFAULT_GROUP_ELEMENTS }: SigmoidCoreOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, , seq] = q.shape;
    // The custom gradient takes float tensors only: the mask travels as 0/1 floats [batch, 1, 1, seq] (one 0 meaning
    // "none"), the bias as [batch, 1, 1, 1].
    const mask = keyMask
      ? tf.reshape(tf.cast(keyMask, 'float32'), [batch, 1, 1, seq])
      : tf.zeros([1, 1, 1, 1]);
    const extras = [mask, tf.reshape(bias, [batch, 1, 1, 1])];
    return groupedAttention(q, k, v, extras, causal ? causalForm : fullForm, maxGroupElements);
  });
}

/** sigmoid(scores + b) over the allowed keys, selected to 0 elsewhere; dS = dA ⊙ A ⊙ (1 − A). */
function sigmoidForm(causal: boolean): AttentionWeightsForm {
  return {
    weights: (scores, [mask, bias], { group, heads }) => {
      const seq = scores.shape[1];
      const a = tf.sigmoid(tf.add(scores, groupPart(bias as tf.Tensor4D, heads, group))) as tf.Tensor3D;
      const keys = mask!.size > 1 ? tf.cast(groupPart(mask as tf.Tensor4D, heads, group), 'bool') : undefined;
      const past = causal ? tf.cast(tf.linalg.bandPart(tf.ones([1, seq, seq]), -1, 0), 'bool') : undefined;
      const allowed = keys && past ? tf.logicalAnd(past, keys) : (keys ?? past);
      // Select, not multiply: sigmoid(NaN) is NaN, and 0·NaN would be too.
      return allowed ? (tf.where(tf.broadcastTo(allowed, a.shape), a, tf.zerosLike(a)) as tf.Tensor3D) : a;
    },
    // sigmoid' = A(1 − A); zero where A was selected to 0 (disallowed keys).
    scoresGradient: (a, dA) => tf.mul(dA, tf.mul(a, tf.sub(1, a))) as tf.Tensor3D,
  };
}

const fullForm = sigmoidForm(false);
const causalForm = sigmoidForm(true);
