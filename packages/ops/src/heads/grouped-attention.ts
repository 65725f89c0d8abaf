import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_GROUP_ELEMENTS,
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
 * The element-wise part of a quadratic attention O = W(q·kᵀ)·v: how the weights come from the scores, and how the
 * scores' gradient comes from the weights' (the mask or bias tensors it needs are `extras` of `groupedAttention`).
 */
export interface AttentionWeightsForm {
  /** The group's weights [G, N, M] from its scores q·kᵀ [G, N, M] and the extras (as passed). */
  weights(scores: tf.Tensor3D, extras: readonly tf.Tensor[], at: GroupContext): tf.Tensor3D;
  /**
   * The group's dScores [G, N, M] from its weights w, their gradient dW = dO·vᵀ, its outputs o and their gradient dO
   * [G, N, p] (softmax: w ⊙ (dW − rowsum(dO ⊙ o)); an element-wise f: dW ⊙ f′).
   */
  scoresGradient(w: tf.Tensor3D, dW: tf.Tensor3D, o: tf.Tensor3D, dO: tf.Tensor3D): tf.Tensor3D;
}

/**
 * O = W(q·kᵀ)·v for q [B, H, N, p], k [B, H, M, p], v [B, H, M, pv] (q already scaled), with the weights W of `form`
 * and a hand-written backward pass, computed over groups of (batch, head) slices (`headGroups`: batched matMuls over at
 * most `maxGroupElements` elements of W at a time). Saved for the backward pass: q, k, v, the extras, the output
 * and W (one [N, M] per head); no N×M matrix is ever transposed — the gradients that would need one are computed
 * transposed (dVᵀ = dOᵀ·W, dKᵀ = qᵀ·dS), as in FlashAttention's backward (arXiv 2205.14135, Appendix B.2), without its
 * tiling. Backward per group: dW = dO·vᵀ, dS = form.scoresGradient(W, dW, O, dO), dQ = dS·k.
 *
 * @param extras float tensors the form's `weights` reads (masks as 0/1 floats, biases): inputs of the custom gradient
 *   so that they live until the backward pass; they get zero gradients.
 * @param maxGroupElements default `DEFAULT_GROUP_ELEMENTS` (2²²); any positive value gives the same result.
 * @returns [B, H, N, pv].
 * @throws RangeError when maxGroupElements is not a positive number (from `headGroups`).
 */
export function groupedAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  extras: readonly tf.Tensor[],
  form: AttentionWeightsForm,
  maxGroupElements: number = DEFAULT_GROUP_ELEMENTS,
): tf.Tensor4D {
  const [batch, heads, rows] = q.shape;
  const groups = headGroups(batch, heads, rows * k.shape[2], maxGroupElements);
  const op = tf.customGrad(((...args: unknown[]) => {
    const [sq, sk, sv, ...rest] = args as tf.Tensor[];
    const save = rest.pop() as unknown as tf.GradSaveFunc;
    const given = rest as tf.Tensor[];
    const [qf, kf, vf] = [sq, sk, sv].map((t) => flattenHeads(t as tf.Tensor4D));
    const weights: tf.Tensor3D[] = [];
    const outputs: tf.Tensor3D[] = [];
    for (const group of groups) {
      const [w, o] = tf.tidy(() => {
        const scores = tf.matMul(
          groupSlices(qf!, group),
          swapLastAxes(groupSlices(kf!, group)),
        ) as tf.Tensor3D;
        const w = form.weights(scores, given, { group, heads });
        return [w, tf.matMul(w, groupSlices(vf!, group)) as tf.Tensor3D];
      });
      weights.push(w);
      outputs.push(o);
    }
    tf.dispose([qf!, kf!, vf!]);
    const output = joinGroups(outputs, [batch, heads, rows, v.shape[3]]);
    save([sq!, sk!, sv!, output, ...weights, ...given]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [q0, k0, v0, o0] = saved as tf.Tensor4D[];
        const savedWeights = saved.slice(4, 4 + groups.length) as tf.Tensor3D[];
        const savedExtras = saved.slice(4 + groups.length);
        const [qb, kb, vb, ob, dyb] = [q0!, k0!, v0!, o0!, dy as tf.Tensor4D].map(flattenHeads);
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
            const dkT = tf.matMul(swapLastAxes(groupSlices(qb!, group)), dS) as tf.Tensor3D; // (dSᵀ·q)ᵀ, dS not transposed
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
        return [
          joinGroups(dq, q0!.shape),
          joinGroups(dk, k0!.shape),
          joinGroups(dv, v0!.shape),
          ...savedExtras.map((t) => tf.zerosLike(t)),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(q, k, v, ...extras) as tf.Tensor4D;
}
