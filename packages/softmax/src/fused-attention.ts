import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_GROUP_ELEMENTS,
  checkGroupBound,
  groupedAttention,
  groupPart,
  maskedSoftmaxForward,
  type AttentionWeightsForm,
} from '@tost/ops';

/** rowsum(P ⊙ dP) = rowsum(dO ⊙ O): dS = P ⊙ (dP − rowsum(dO ⊙ O)). */
const softmaxGradient: AttentionWeightsForm['scoresGradient'] = (p, dP, o, dO) =>
  tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dO, o), 2, true))) as tf.Tensor3D;

/** softmax weights over the keys `allowed` (bool, broadcastable to [B, H, N, M]) allows, or over all keys. */
function softmaxForm(allowed: tf.Tensor4D | undefined): AttentionWeightsForm {
  return {
    weights: (scores, { group, heads }) =>
      allowed
        ? maskedSoftmaxForward(scores, groupPart(allowed, heads, group))
        : (tf.softmax(scores) as tf.Tensor3D),
    scoresGradient: softmaxGradient,
  };
}

/** Throws unless `allowed` is bool [B or 1, H or 1, N or 1, M] for q [B, H, N, p] and k [B, H, M, p]. */
function checkAllowed(allowed: tf.Tensor, q: tf.Tensor4D, k: tf.Tensor4D): void {
  const [b, h, n] = q.shape;
  const m = k.shape[2];
  const s = allowed.shape;
  const ok =
    allowed.dtype === 'bool' &&
    s.length === 4 &&
    [b, h, n].every((full, i) => s[i] === 1 || s[i] === full) &&
    s[3] === m;
  if (!ok) {
    throw new RangeError(
      `fusedSoftmaxAttention: argument 'allowed' must be a bool mask of shape [${b} or 1, ${h} or 1, ${n} or 1, ${m}] ` +
        `(queries [${q.shape.join(', ')}], keys [${k.shape.join(', ')}]), got ${allowed.dtype} [${s.join(', ')}]`,
    );
  }
}

/**
 * softmax(q·kᵀ restricted to allowed keys)·v for q [B, H, N, p], k [B, H, M, p], v [B, H, M, pv] with a hand-written
 * backward pass, computed in groups of (batch, head) slices (`groupedAttention` of @tost/ops: batched matMuls over at
 * most `maxGroupScores` score elements at a time).
 *
 * Why: autodiff of the plain formula keeps and transposes several N×M tensors per head. Here only the small [N, p]
 * operands are ever transposed, the backward pass keeps q, k, v, the output and P (one N×M per head), and the groups
 * bound the transient scores of the forward pass to one group's. Backward: dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)),
 * dQ = dS·k, dKᵀ = qᵀ·dS, dVᵀ = dOᵀ·P (FlashAttention's backward, arXiv 2205.14135, Appendix B.2, without its tiling).
 *
 * @param allowed bool mask of shape [B or 1, H or 1, N or 1, M] (e.g. [B, 1, 1, M] real keys, [1, 1, N, N] causal):
 * disallowed keys get weight exactly 0 in the output (`maskedSoftmax`: selected, not offset, so NaN or huge scores
 * there cannot leak into it), and a query with no allowed key outputs 0; undefined for none. The gradients are finite
 * only where k and v are, also at disallowed keys (dQ = dS·k).
 * @param maxGroupScores bound on the score elements (slices × N × M) of one group; default `DEFAULT_GROUP_ELEMENTS`
 * of @tost/ops (2²⁰); a slice larger than it forms a group alone. Any positive value gives the same result.
 * @throws RangeError when `allowed` is not such a mask, or maxGroupScores is not a positive number, naming them.
 */
export function fusedSoftmaxAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  allowed?: tf.Tensor4D,
  maxGroupScores: number = DEFAULT_GROUP_ELEMENTS,
): tf.Tensor4D {
  checkGroupBound(maxGroupScores, "fusedSoftmaxAttention: argument 'maxGroupScores'");
  if (allowed) checkAllowed(allowed, q, k);
  return groupedAttention(q, k, v, softmaxForm(allowed), maxGroupScores);
}
