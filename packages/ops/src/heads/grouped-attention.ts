import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_GROUP_ELEMENTS,
  checkGroupBound,
  flattenHeads,
  groupSlices,
  headGroups,
  joinGroups,
  swapLastAxes,
  type HeadGroup,
} from './head-groups.js';

/** Where a group sits: its (batch, head) slices and the head count of the flattened tensors. */
export interface GroupContext {
  group: HeadGroup;
  heads: number;
}

/**
 * The element-wise part of a quadratic attention O = W(q·kᵀ)·v: how the weights come from the scores (in the forward
 * pass only: a form may read masks or biases it holds, which need only live until `groupedAttention` returns), and
 * how the scores' gradient comes from the weights' (from saved values only: W, dW, O, dO).
 */
export interface AttentionWeightsForm {
  /** The group's weights [G, N, M] from its scores q·kᵀ [G, N, M]; `at` locates the group (for `groupPart`). */
  weights(scores: tf.Tensor3D, at: GroupContext): tf.Tensor3D;
  /**
   * The group's dScores [G, N, M] from its weights w, their gradient dW = dO·vᵀ, its outputs o and their gradient dO
   * [G, N, pv] (softmax: w ⊙ (dW − rowsum(dO ⊙ o)); an element-wise w = f(scores): dW ⊙ f′, written in w).
   */
  scoresGradient(w: tf.Tensor3D, dW: tf.Tensor3D, o: tf.Tensor3D, dO: tf.Tensor3D): tf.Tensor3D;
}

/**
 * O = W(q·kᵀ)·v for q [B, H, N, p], k [B, H, M, p], v [B, H, M, pv] (q already scaled), with the weights W of `form`
 * and a hand-written backward pass, computed over groups of (batch, head) slices (`headGroups`: batched matMuls over at
 * most `maxGroupElements` elements of W at a time; a slice larger than that runs alone). Saved for the backward pass:
 * q, k, v, the output and W (one [N, M] per head); no N×M matrix is ever transposed — the gradients that would need
 * one are computed transposed (dVᵀ = dOᵀ·W, dKᵀ = qᵀ·dS), as in FlashAttention's backward (arXiv 2205.14135,
 * Appendix B.2), without its tiling. Backward per group: dW = dO·vᵀ, dS = form.scoresGradient(W, dW, O, dO),
 * dQ = dS·k. Empty inputs (any of B, H, N, M zero) give (q·kᵀ)·v: an empty output, or zeros when there is no key.
 *
 * The gradients are finite only where q, k and v are: dQ = dS·k multiplies every key, also one of weight 0 (a masked
 * key holding NaN gives NaN in dQ even though the output ignores it).
 *
 * @param maxGroupElements default `DEFAULT_GROUP_ELEMENTS` (2²⁰); any positive value gives the same result.
 * @returns [B, H, N, pv].
 * @throws RangeError when maxGroupElements is not a positive number, naming it.
 */
export function groupedAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  form: AttentionWeightsForm,
  maxGroupElements: number = DEFAULT_GROUP_ELEMENTS,
): tf.Tensor4D {
  checkGroupBound(maxGroupElements, "groupedAttention: argument 'maxGroupElements'");
  const [batch, heads, rows] = q.shape;
  const keys = k.shape[2];
  if (batch * heads * rows * keys === 0) {
    return tf.tidy(() => tf.matMul(tf.matMul(q, k, false, true), v));
  }
  const groups = headGroups(batch, heads, rows * keys, maxGroupElements);
  const op = tf.customGrad(((sq: tf.Tensor4D, sk: tf.Tensor4D, sv: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const [qf, kf, vf] = [sq, sk, sv].map(flattenHeads);
    const weights: tf.Tensor3D[] = [];
    const outputs: tf.Tensor3D[] = [];
    for (const group of groups) {
      const [w, o] = tf.tidy(() => {
        const scores = tf.matMul(
          groupSlices(qf!, group),
          swapLastAxes(groupSlices(kf!, group)),
        ) as tf.Tensor3D;
        const w = form.weights(scores, { group, heads });
        return [w, tf.matMul(w, groupSlices(vf!, group)) as tf.Tensor3D];
      });
      weights.push(w);
      outputs.push(o);
    }
    tf.dispose([qf!, kf!, vf!]);
    const output = joinGroups(outputs, [batch, heads, rows, v.shape[3]]);
    save([sq, sk, sv, output, ...weights]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [q0, k0, v0, o0] = saved as tf.Tensor4D[];
        const savedWeights = saved.slice(4) as tf.Tensor3D[];
        const [qb, kb, vb, ob, dyb] = [q0!, k0!, v0!, o0!, dy].map(flattenHeads);
        const dq: tf.Tensor3D[] = [];
        const dk: tf.Tensor3D[] = [];
        const dv: tf.Tensor3D[] = [];
        groups.forEach((group, i) => {
          const w = savedWeights[i]!;
          const [dqi, dki, dvi] = tf.tidy(() => {
            const dO = groupSlices(dyb!, group);
            const dvT = tf.matMul(swapLastAxes(dO), w) as tf.Tensor3D; // (Wᵀ·dO)ᵀ without transposing W
            const dW = tf.matMul(dO, swapLastAxes(groupSlices(vb!, group))) as tf.Tensor3D;
            const dS = form.scoresGradient(w, dW, groupSlices(ob!, group), dO);
            const dkT = tf.matMul(swapLastAxes(groupSlices(qb!, group)), dS) as tf.Tensor3D; // (dSᵀ·q)ᵀ
            return [
              tf.matMul(dS, groupSlices(kb!, group)) as tf.Tensor3D,
              swapLastAxes(dkT),
              swapLastAxes(dvT),
            ];
          });
          dq.push(dqi!);
          dk.push(dki!);
          dv.push(dvi!);
        });
        tf.dispose([qb!, kb!, vb!, ob!, dyb!]);
        return [joinGroups(dq, q0!.shape), joinGroups(dk, k0!.shape), joinGroups(dv, v0!.shape)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(q, k, v) as tf.Tensor4D;
}
