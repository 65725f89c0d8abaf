import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_GROUP_ELEMENTS,
  groupedAttention,
  groupPart,
  maskedSoftmaxForward,
  type AttentionWeightsForm,
} from '@tost/ops';

/** softmax weights over the allowed keys; dS = P ⊙ (dP − rowsum(dO ⊙ O)) (rowsum(P ⊙ dP) = rowsum(dO ⊙ O)). */
const softmaxForm: AttentionWeightsForm = {
  weights: (scores, [allowed], { group, heads }) =>
    allowed!.size > 1
      ? maskedSoftmaxForward(scores, tf.cast(groupPart(allowed as tf.Tensor4D, heads, group), 'bool'))
      : (tf.softmax(scores) as tf.Tensor3D),
  scoresGradient: (p, dP, o, dO) => tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dO, o), 2, true))) as tf.Tensor3D,
};

/**
 * softmax(q·kᵀ restricted to allowed keys)·v for q, k, v [B, H, N, p] with a hand-written backward pass, computed in
 * groups of (batch, head) slices (`groupedAttention` of @tost/ops: batched matMuls over at most `maxGroupScores`
 * score elements at a time).
 *
 * Why: autodiff of the plain formula keeps and transposes several N×N tensors per head. Here only the small [N, p]
 * operands are ever transposed, only P (one N×N per head) plus the output are kept for the backward pass, and the
 * groups bound the transient N×N scores of the forward pass to one group's. Backward: dP = dO·vᵀ,
 * dS = P ⊙ (dP − rowsum(dO ⊙ O)), dQ = dS·k, dKᵀ = qᵀ·dS, dVᵀ = dOᵀ·P (FlashAttention's backward, arXiv 2205.14135,
 * Appendix B.2, without its tiling).
 *
 * @param allowed bool mask broadcastable to [B, H, N, N] with size-1 or full axes (e.g. [B, 1, 1, N] real keys,
 * [1, 1, N, N] causal): disallowed keys get weight exactly 0 (`maskedSoftmax`: selected, not offset, so NaN or huge
 * values there cannot leak); undefined for none.
 * @param maxGroupScores bound on the score elements (slices × N × N) of one group; default `DEFAULT_GROUP_ELEMENTS`
 * of @tost/ops (2²²); a slice larger than it forms a group alone. Any positive value gives the same result.
 * @throws RangeError when maxGroupScores is not a positive number.
 */
export function fusedSoftmaxAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  allowed?: tf.Tensor4D,
  maxGroupScores: number = DEFAULT_GROUP_ELEMENTS,
): tf.Tensor4D {
  if (!(typeof maxGroupScores === 'number' && maxGroupScores > 0)) {
    throw new RangeError(
      `fusedSoftmaxAttention: argument 'maxGroupScores' must be a positive number, got ${String(maxGroupScores)}`,
    );
  }
  return tf.tidy(() => {
    // The custom gradient takes float tensors only: the mask travels as 0/1 floats (or one 0 meaning "none").
    const mask = allowed ? tf.cast(allowed, 'float32') : tf.zeros([1, 1, 1, 1]);
    return groupedAttention(q, k, v, [mask], softmaxForm, maxGroupScores);
  });
}
