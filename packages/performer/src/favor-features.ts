import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '@tost/attention';
import { detached } from './stop-gradient.js';

/** Stand-in for −∞ in running maxima (finite, so differences such as M_t − M_s never produce NaN). */
const NO_KEY = -1e30;

/**
 * ℓ = ũ·Ω − ‖ũ‖²/2 with ũ = u / p^¼ (so q̃·k̃ = q·k/√p), for u [batch, heads, seq, p] and Ω [p, m] → [batch, heads,
 * seq, m]: the exponent of FAVOR+'s positive features φ(u) = exp(ℓ)/√m (Choromanski et al., arXiv 2009.14794,
 * Lemma 1, "positive random features" for the softmax kernel). One 2-D matMul over all tokens and heads.
 */
export function favorLogits(u: tf.Tensor4D, omega: tf.Tensor2D): tf.Tensor4D {
  const [batch, heads, seq, p] = u.shape;
  const m = omega.shape[1];
  return tf.tidy(() => {
    const scaled = tf.mul(u, p ** -0.25);
    const projected = matMul2d(tf.reshape(scaled, [batch * heads * seq, p]) as tf.Tensor2D, omega);
    const halfNorm = tf.mul(tf.sum(tf.square(scaled), -1, true), 0.5);
    return tf.sub(tf.reshape(projected, [batch, heads, seq, m]), halfNorm) as tf.Tensor4D;
  });
}

/**
 * Query features φ̂(q) = exp(ℓ − max_r ℓ)/√m [batch, heads, seq, m]: the per-token stabiliser (a constant per query
 * row) cancels between numerator and denominator, and keeps every feature ≤ 1/√m.
 */
export function favorQueryFeatures(q: tf.Tensor4D, omega: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const logits = favorLogits(q, omega);
    const stabiliser = detached((l) => tf.max(l, -1, true), logits);
    return tf.div(tf.exp(tf.sub(logits, stabiliser)), Math.sqrt(omega.shape[1])) as tf.Tensor4D;
  });
}

/**
 * Key features φ̂(k) [batch, heads, seq, m] with padded keys exactly zero, stabilised by M, the maximum of ℓ over the
 * real keys a query may see (it cancels in the ratio like the query stabiliser):
 * - non-causal: one M per sample and head, over all real keys and features;
 * - causal: the running maximum M_s over keys ≤ s (so no later token can change an earlier output); then
 *   φ̂(k_s) = exp(ℓ_s − M_s)/√m and the causal core must weight key s for query t by e^(M_s − M_t): `logDecay` = −M
 *   [batch, heads, seq] is that (non-increasing) cumulative log-decay.
 * M is a constant for autodiff (its exact gradient contribution is zero).
 */
export function favorKeyFeatures(
  k: tf.Tensor4D,
  omega: tf.Tensor2D,
  { causal, mask }: { causal: boolean; mask?: tf.Tensor2D },
): { features: tf.Tensor4D; logDecay?: tf.Tensor3D } {
  const [batch, heads, seq] = k.shape;
  return tf.tidy(() => {
    const logits = favorLogits(k, omega);
    const real = mask ? tf.cast(tf.reshape(mask, [batch, 1, seq, 1]), 'bool') : undefined;
    const stabiliser = detached((l) => {
      let tokenMax = tf.max(l, -1, true) as tf.Tensor4D; // [batch, heads, seq, 1]
      if (real)
        tokenMax = tf.where(
          tf.broadcastTo(real, tokenMax.shape),
          tokenMax,
          tf.fill(tokenMax.shape, NO_KEY),
        ) as tf.Tensor4D;
      return causal ? runningMax(tokenMax) : tf.max(tokenMax, 2, true);
    }, logits);
    // ℓ ≤ M at every real key; the min only matters at padded keys (M may be NO_KEY there), keeping exp finite.
    let features = tf.div(tf.exp(tf.minimum(tf.sub(logits, stabiliser), 0)), Math.sqrt(omega.shape[1]));
    if (real) features = tf.where(tf.broadcastTo(real, features.shape), features, tf.zerosLike(features));
    return {
      features: features as tf.Tensor4D,
      ...(causal ? { logDecay: tf.neg(tf.reshape(stabiliser, [batch, heads, seq])) as tf.Tensor3D } : {}),
    };
  });
}

/** max over positions ≤ s along axis 2 of [batch, heads, seq, 1], by doubling (log₂ seq elementwise steps). */
function runningMax(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, heads, seq] = x.shape;
  let out: tf.Tensor4D = x;
  for (let shift = 1; shift < seq; shift *= 2) {
    const shifted = tf.concat(
      [
        tf.fill([batch, heads, shift, 1], NO_KEY),
        tf.slice(out, [0, 0, 0, 0], [batch, heads, seq - shift, 1]),
      ],
      2,
    );
    out = tf.maximum(out, shifted) as tf.Tensor4D;
  }
  return out;
}
