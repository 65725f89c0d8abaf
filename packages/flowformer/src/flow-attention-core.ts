import * as tf from '@tensorflow/tfjs-core';
import { headTokenMask } from '@tost/attention';
import { COMPETITION_FLOOR, FLOW_EPSILON } from './constants.js';

const TOKENS = 2;

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor>>[0];

/** Sums `g` over the axes where `like` has size 1 but `g` does not (the adjoint of a broadcast). */
function unbroadcast(g: tf.Tensor, like: tf.Tensor): tf.Tensor {
  const axes = like.shape.flatMap((d, i) => (d === 1 && g.shape[i] !== 1 ? [i] : []));
  return axes.length ? tf.sum(g, axes, true) : g;
}

/**
 * Σ_c (a + ε)(b + ε) over the last (channel) axis → [..., 1]: the ε-shifted dot product of the authors' einsums
 * (`einsum("nhld,nhd->nhl", queries + eps, keys.sum(dim=2) + eps)` and its causal twin); a and b broadcast against
 * each other. Its gradient (da = dy·(b + ε), db = dy·(a + ε)) recomputes the shifted copies instead of keeping them.
 */
export const shiftedDot = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.tidy(() => tf.sum(tf.mul(tf.add(a, FLOW_EPSILON), tf.add(b, FLOW_EPSILON)), -1, true)),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) =>
      tf.tidy(() => [
        unbroadcast(tf.mul(dy, tf.add(sb!, FLOW_EPSILON)), sa!),
        unbroadcast(tf.mul(dy, tf.add(sa!, FLOW_EPSILON)), sb!),
      ]),
  };
}) as unknown as CustomGradientFunction) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Flow-Attention, non-causal (Wu et al., "Flowformer: Linearizing Transformers with Conservation Flows", ICML 2022,
 * arXiv 2202.06258, §3.2; the authors' `Flow_Attention.forward` in thuml/Flowformer `Flow_Attention.py`), per head on
 * projected q, k, v [batch, heads, seq, p] → [batch, heads, seq, p]. With φ = sigmoid, sums over real tokens and n
 * the number of real tokens:
 *   incoming I_i = 1/((φq_i+ε)·(Σ_j φk_j+ε)),  outgoing O_j = 1/((φk_j+ε)·(Σ_i φq_i+ε));
 *   conserved Î_i = (φq_i+ε)·(Σ_j φk_j O_j+ε),  Ô_j = clamp((φk_j+ε)·(Σ_i φq_i I_i+ε), −1, 1);
 *   allocation a_i = sigmoid(Î_i), competition c_j = n·softmax_j(Ô_j);
 *   out_i = a_i · (φq_i I_i)·Σ_j φk_j (c_j v_j)ᵀ.
 * Linear: the only sequence-wide products are Σ_j φk_j ⊗ c_j v_j ([p, p]) and sums. Padded tokens (mask 0) have
 * φq = φk = 0 and are left out of the softmax and of n. Autodiff keeps only [seq, p] intermediates.
 */
export function flowAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask?: tf.Tensor2D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const seq = q.shape[2];
    const real = mask ? headTokenMask(mask) : undefined;
    const phiQ = real ? tf.mul(tf.sigmoid(q), real) : tf.sigmoid(q);
    const phiK = real ? tf.mul(tf.sigmoid(k), real) : tf.sigmoid(k);
    // (1) incoming and outgoing flow.
    const incoming = tf.reciprocal(shiftedDot(phiQ, tf.sum(phiK, TOKENS, true)));
    const outgoing = tf.reciprocal(shiftedDot(phiK, tf.sum(phiQ, TOKENS, true)));
    // (2) conservation refinement (Ô clamped to [−1, 1] "for stability", as the authors).
    const conservedSink = shiftedDot(phiQ, tf.sum(tf.mul(phiK, outgoing), TOKENS, true));
    const conservedSource = tf.clipByValue(
      shiftedDot(phiK, tf.sum(tf.mul(phiQ, incoming), TOKENS, true)),
      -1,
      1,
    );
    // (3) allocation and competition. Ô ∈ [−1, 1], so exp needs no max-subtraction; padded tokens get weight 0.
    const allocation = tf.sigmoid(conservedSink);
    const weights = real ? tf.mul(tf.exp(conservedSource), real) : tf.exp(conservedSource);
    const count = real ? tf.sum(real, TOKENS, true) : tf.scalar(seq);
    const total = tf.maximum(tf.sum(weights, TOKENS, true), COMPETITION_FLOOR); // 0 only without real tokens
    const competition = tf.div(tf.mul(weights, count), total);
    // (4) out = a · (φq·I)·(φkᵀ (c·v)).
    const kv = tf.matMul(phiK, tf.mul(v, competition) as tf.Tensor4D, true, false);
    return tf.mul(tf.matMul(tf.mul(phiQ, incoming) as tf.Tensor4D, kv), allocation) as tf.Tensor4D;
  });
}
