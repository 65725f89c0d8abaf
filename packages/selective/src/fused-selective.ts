import * as tf from '@tensorflow/tfjs-core';
import {
  DEFAULT_GROUP_ELEMENTS,
  checkGroupBound,
  flattenHeads,
  groupSlices,
  headGroups,
  joinGroups,
  maskedSoftmaxForward,
  swapLastAxes,
  type HeadGroup,
} from '@tost/ops';

/**
 * Selective attention's core (Leviathan, Kalman, Matias, "Selective Attention Improves Transformer", ICLR 2025,
 * arXiv 2410.02703, §2) with a hand-written backward pass, for q (already scaled by 1/√p), k, v [batch, heads, N, p]
 * and the token mask [batch, N] (1 = token):
 *
 *   L_h = q_h·k_hᵀ;  S = relu(L_0) where j < i, j ≥ 1, and i, j are real tokens, else 0  (head 0 selects)
 *   F[i, j] = Σ_{k<i} S[k, j]                                      (what earlier tokens faded)
 *   O_h = softmax_j(L_h − F) over real keys j ≤ i, times v_h       (every head)
 *
 * Computed over groups of whole samples (every head of each: F is shared by the heads), batched matMuls over at most
 * `maxGroupElements` elements of the [N, N] matrices of all heads at a time (default 2²⁰, `DEFAULT_GROUP_ELEMENTS` of
 * @tost/ops; a sample larger than it forms a group alone). Saved for the backward pass: q, k, v, the mask, the output
 * and the P_h (one [N, N] per head, as the fused softmax path of @tost/softmax; no transposed N×N copy is made).
 * Backward per head dS_h = P_h ⊙ (dO·vᵀ − rowsum(dO ⊙ O)), dq = dS_h·k, dkᵀ = qᵀ·dS_h, dvᵀ = dOᵀ·P_h; the fading adds
 * dF = −Σ_h dS_h, dS = Σ_{i>k} dF[i, ·] (a reverse exclusive cumulative sum), and dL_0 = dS where S > 0, back into
 * head 0's q and k (L_0 recomputed).
 *
 * @throws RangeError when maxGroupElements is not a positive number, naming it.
 */
export function fusedSelectiveAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
  maxGroupElements: number = DEFAULT_GROUP_ELEMENTS,
): tf.Tensor4D {
  checkGroupBound(maxGroupElements, "fusedSelectiveAttention: argument 'maxGroupElements'");
  const [batch, heads, n] = q.shape;
  // No sample, head or token: the output (empty) of the plain products, with their gradients.
  if (batch * heads * n === 0) return tf.tidy(() => tf.matMul(tf.matMul(q, k, false, true), v));
  // Groups of whole samples: headGroups over the batch with one "head" of all the heads' [N, N] matrices.
  const groups = headGroups(batch, 1, Math.max(1, heads * n * n), maxGroupElements);
  return selectiveOp(groups)(q, k, v, mask);
}

/** A sample-independent pattern as 0/1 floats [1, 1, N, N]: 1 where `keep(i, j)` for query i and key j. */
function patternOf(n: number, keep: (i: number, j: number) => boolean): tf.Tensor4D {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (keep(i, j)) values[i * n + j] = 1;
  return tf.tensor4d(values, [1, 1, n, n]);
}
/** j ≤ i: the keys a query may attend to. */
const lowerPattern = (n: number) => patternOf(n, (i, j) => j <= i);
/** 1 ≤ j < i: the keys a query's selection may fade (never the first token, never the query itself). */
const selectablePattern = (n: number) => patternOf(n, (i, j) => j >= 1 && j < i);

/** A group's rows of the token mask [batch, N] as keys [G, 1, 1, N] and as queries [G, 1, N, 1] (0/1 floats). */
function realTokens(mask: tf.Tensor2D, g: HeadGroup): { keys: tf.Tensor4D; queries: tf.Tensor4D } {
  const n = mask.shape[1];
  const real = tf.slice(mask, [g.start, 0], [g.end - g.start, n]);
  return {
    keys: tf.reshape(real, [g.end - g.start, 1, 1, n]),
    queries: tf.reshape(real, [g.end - g.start, 1, n, 1]),
  };
}

/** The keys a query of the group may attend to (real and not in its future): bool [G, 1, N, N]. */
function allowedOf(lower: tf.Tensor4D, real: { keys: tf.Tensor4D }): tf.Tensor4D {
  return tf.cast(tf.mul(lower, real.keys), 'bool') as tf.Tensor4D;
}

/** Where the group's selection may be non-zero (real i, real j, 1 ≤ j < i): bool [G, 1, N, N]. */
function selectableOf(
  selectable: tf.Tensor4D,
  real: { keys: tf.Tensor4D; queries: tf.Tensor4D },
): tf.Tensor4D {
  return tf.cast(tf.mul(tf.mul(selectable, real.keys), real.queries), 'bool') as tf.Tensor4D;
}

/** Head 0 of samples [start, end) of t [B, H, N, p]: [end − start, N, p]. */
function headZero(t: tf.Tensor4D, g: HeadGroup): tf.Tensor3D {
  const [, , n, p] = t.shape;
  return tf.reshape(tf.slice(t, [g.start, 0, 0, 0], [g.end - g.start, 1, n, p]), [g.end - g.start, n, p]);
}

const selectiveOp = (groups: HeadGroup[]) =>
  tf.customGrad(((
    q: tf.Tensor4D,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
    mask: tf.Tensor2D,
    save: tf.GradSaveFunc,
  ) => {
    const [, heads, n] = q.shape;
    const patterns = { lower: lowerPattern(n), selectable: selectablePattern(n) };
    // The group's (sample, head) slices of a flattenHeads tensor [B·H, N, p].
    const slicesOf = (g: HeadGroup): HeadGroup => ({ start: g.start * heads, end: g.end * heads });
    const [qf, kf, vf] = [q, k, v].map(flattenHeads);
    const weights: tf.Tensor3D[] = [];
    const outputs: tf.Tensor3D[] = [];
    for (const g of groups) {
      const [p, o] = tf.tidy(() => {
        const size = g.end - g.start;
        const real = realTokens(mask, g);
        const allowed = allowedOf(patterns.lower, real);
        const selectable = selectableOf(patterns.selectable, real);
        const scores = tf.reshape(
          tf.matMul(groupSlices(qf!, slicesOf(g)), swapLastAxes(groupSlices(kf!, slicesOf(g)))),
          [size, heads, n, n],
        );
        const scores0 = tf.slice(scores, [0, 0, 0, 0], [size, 1, n, n]);
        // A select, not a product: a future key's score may be ±Infinity, and Infinity·0 would be NaN.
        const selection = tf.where(selectable, tf.relu(scores0), tf.zerosLike(scores0));
        const faded = tf.cumsum(selection, 2, true);
        const p = maskedSoftmaxForward(tf.sub(scores, faded), allowed);
        const p3 = tf.reshape(p, [size * heads, n, n]) as tf.Tensor3D;
        return [p3, tf.matMul(p3, groupSlices(vf!, slicesOf(g))) as tf.Tensor3D];
      });
      weights.push(p);
      outputs.push(o);
    }
    tf.dispose([...Object.values(patterns), qf!, kf!, vf!]);
    const output = joinGroups(outputs, [q.shape[0], q.shape[1], q.shape[2], v.shape[3]]);
    save([q, k, v, mask, output, ...weights]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sq, sk, sv, smask, so, ...sp] = saved as tf.Tensor4D[];
        const fadePattern = selectablePattern(n);
        const flat = [sq!, sk!, sv!, so!, dy].map(flattenHeads);
        const dq: tf.Tensor3D[] = [];
        const dk: tf.Tensor3D[] = [];
        const dv: tf.Tensor3D[] = [];
        groups.forEach((g, i) => {
          const p = sp[i] as unknown as tf.Tensor3D;
          const grads = tf.tidy(() => {
            const size = g.end - g.start;
            const [qg, kg, vg, og, dO] = flat.map((t) => groupSlices(t, slicesOf(g)));
            const dP = tf.matMul(dO!, swapLastAxes(vg!));
            const rowDot = tf.sum(tf.mul(dO!, og!), 2, true); // rowsum(P ⊙ dP) = rowsum(dO ⊙ O)
            const dScores = tf.mul(p, tf.sub(dP, rowDot)) as tf.Tensor3D;
            const dqAll = tf.matMul(dScores, kg!);
            const dkAll = swapLastAxes(tf.matMul(swapLastAxes(qg!), dScores) as tf.Tensor3D); // (dSᵀ·q) without transposing dS
            const dvAll = swapLastAxes(tf.matMul(swapLastAxes(dO!), p) as tf.Tensor3D); // (Pᵀ·dO) without transposing P
            // Through F = exclusive cumsum of S over rows, S = relu(L_0) on the selectable entries, L_0 = q_0·k_0ᵀ.
            const dFaded = tf.neg(tf.sum(tf.reshape(dScores, [size, heads, n, n]), 1)) as tf.Tensor3D;
            const dSelection = tf.cumsum(dFaded, 1, true, true);
            const selectable = selectableOf(fadePattern, realTokens(smask as unknown as tf.Tensor2D, g));
            const [q0, k0] = [headZero(sq!, g), headZero(sk!, g)];
            const scores0 = tf.matMul(q0, swapLastAxes(k0));
            // relu′ on the selectable entries (a select: dSelection may hold anything where S is 0 by definition).
            const active = tf.logicalAnd(
              tf.cast(tf.step(scores0), 'bool'),
              tf.reshape(selectable, [size, n, n]),
            );
            const dScores0 = tf.where(active, dSelection, tf.zerosLike(dSelection)) as tf.Tensor3D;
            const p0 = q0.shape[2];
            // Head 0's extra gradient, zeros for the other heads, in (sample, head) order.
            const intoHeadZero = (t: tf.Tensor3D) =>
              tf.reshape(
                tf.pad(tf.reshape(t, [size, 1, n, p0]), [
                  [0, 0],
                  [0, heads - 1],
                  [0, 0],
                  [0, 0],
                ]),
                [size * heads, n, p0],
              );
            return [
              tf.add(dqAll, intoHeadZero(tf.matMul(dScores0, k0) as tf.Tensor3D)),
              tf.add(dkAll, intoHeadZero(swapLastAxes(tf.matMul(swapLastAxes(q0), dScores0) as tf.Tensor3D))),
              dvAll,
            ] as tf.Tensor3D[];
          });
          dq.push(grads[0]!);
          dk.push(grads[1]!);
          dv.push(grads[2]!);
        });
        tf.dispose([fadePattern, ...flat]);
        return [
          joinGroups(dq, sq!.shape),
          joinGroups(dk, sk!.shape),
          joinGroups(dv, sv!.shape),
          tf.zerosLike(smask!),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    q: tf.Tensor4D,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
    mask: tf.Tensor2D,
  ) => tf.Tensor4D;
