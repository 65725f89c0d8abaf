import * as tf from '@tensorflow/tfjs-core';
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
    const projected = tf.matMul(tf.reshape(scaled, [batch * heads * seq, p]) as tf.Tensor2D, omega);
    const halfNorm = tf.mul(tf.sum(tf.square(scaled), -1, true), 0.5);
    return tf.sub(tf.reshape(projected, [batch, heads, seq, m]), halfNorm) as tf.Tensor4D;
  });
}

/**
 * φ̂(u) = exp(min(ℓ − s, 0))/√m for a stabiliser s broadcastable to ℓ [batch, heads, seq, m] (s ≥ ℓ wherever it
 * matters, so the min only guards padded keys), as one op with a hand-written backward that saves u, Ω and s and
 * recomputes ℓ and φ̂: autodiff would keep ℓ, φ̂ and the exponent — several [batch, heads, seq, m] tensors, m = 4p by
 * default. With dℓ = dφ̂ ⊙ φ̂ (where ℓ ≤ s): dũ = dℓ·Ωᵀ − (Σ_r dℓ_r)·ũ, du = dũ/p^¼, dΩ = ũᵀ·dℓ; s is a constant.
 */
export function favorFeatures(u: tf.Tensor4D, omega: tf.Tensor2D, stabiliser: tf.Tensor): tf.Tensor4D {
  const [batch, heads, seq, p] = u.shape;
  const m = omega.shape[1];
  const features = (ui: tf.Tensor4D, o: tf.Tensor2D, s: tf.Tensor) => {
    const exponent = tf.sub(favorLogits(ui, o), s);
    return { exponent, phi: tf.div(tf.exp(tf.minimum(exponent, 0)), Math.sqrt(m)) as tf.Tensor4D };
  };
  const op = tf.customGrad(((ui: tf.Tensor, o: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ui, o, s]);
    return {
      value: tf.tidy(() => features(ui as tf.Tensor4D, o as tf.Tensor2D, s).phi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [us, os, ss] = saved as [tf.Tensor4D, tf.Tensor2D, tf.Tensor];
          const { exponent, phi } = features(us, os, ss);
          const dLogits = tf.reshape(tf.mul(tf.mul(dy, phi), tf.cast(tf.lessEqual(exponent, 0), 'float32')), [
            batch * heads * seq,
            m,
          ]) as tf.Tensor2D;
          const scaled = tf.reshape(tf.mul(us, p ** -0.25), [batch * heads * seq, p]) as tf.Tensor2D;
          const dScaled = tf.sub(
            tf.matMul(dLogits, os, false, true),
            tf.mul(tf.sum(dLogits, -1, true), scaled),
          );
          return [
            tf.reshape(tf.mul(dScaled, p ** -0.25), us.shape),
            tf.matMul(scaled, dLogits, true, false),
            tf.zerosLike(ss),
          ];
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(u, omega, stabiliser) as tf.Tensor4D;
}

/**
 * Query features φ̂(q) = exp(ℓ − max_r ℓ)/√m [batch, heads, seq, m]: the per-token stabiliser (a constant per query
 * row) cancels between numerator and denominator, and keeps every feature ≤ 1/√m.
 */
export function favorQueryFeatures(q: tf.Tensor4D, omega: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const stabiliser = detached(
      (u, o) => tf.max(favorLogits(u as tf.Tensor4D, o as tf.Tensor2D), -1, true),
      q,
      omega,
    );
    return favorFeatures(q, omega, stabiliser);
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
    const real = mask ? tf.cast(tf.reshape(mask, [batch, 1, seq, 1]), 'bool') : undefined;
    const stabiliser = detached(
      (u, o) => {
        const logitMax = tf.max(favorLogits(u as tf.Tensor4D, o as tf.Tensor2D), -1, true) as tf.Tensor4D; // [b, h, seq, 1]
        if (!real) return causal ? runningMax(logitMax) : tf.max(logitMax, 2, true);
        const isReal = tf.broadcastTo(real, logitMax.shape);
        const tokenMax = tf.where(isReal, logitMax, tf.fill(logitMax.shape, NO_KEY)) as tf.Tensor4D;
        if (!causal) return tf.max(tokenMax, 2, true);
        // Before the first real key the running maximum would be NO_KEY, and the chunked core, which measures
        // log-decays from a chunk's first token, would lose every real token's decay against −NO_KEY in float32.
        // There (only there: afterwards M_s ≥ that key's maximum) use the smallest real token maximum instead.
        const smallestReal = tf.min(tf.where(isReal, logitMax, tf.fill(logitMax.shape, -NO_KEY)), 2, true);
        return tf.maximum(runningMax(tokenMax), smallestReal);
      },
      k,
      omega,
    );
    let features = favorFeatures(k, omega, stabiliser);
    if (real)
      features = tf.where(
        tf.broadcastTo(real, features.shape),
        features,
        tf.zerosLike(features),
      ) as tf.Tensor4D;
    return {
      features,
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
