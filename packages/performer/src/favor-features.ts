import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from '@tost/ops';

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

/** FAVOR+ features and the stabiliser they were computed with. */
export interface FavorFeatures {
  /** φ̂(u) [batch, heads, seq, m]; exactly 0 at padded tokens when `realTokens` is given. */
  features: tf.Tensor4D;
  /** s, broadcastable to [batch, heads, seq, m]: a constant for autodiff (its gradient contribution is zero). */
  stabiliser: tf.Tensor;
}

/**
 * φ̂(u) = exp(ℓ − s)/√m (Choromanski et al., arXiv 2009.14794, Lemma 1) for u [batch, heads, seq, p] and Ω [p, m], as
 * one op: ℓ = `favorLogits(u, Ω)` is computed once, the stabiliser s = `stabiliser(ℓ)` from it (or given as a
 * tensor), and the backward pass needs no ℓ at all — it saves u and its own output φ̂ (which the attention core keeps
 * anyway), so a step runs one [seq, p]×[p, m] product per feature map forward and one backward. With dℓ = dφ̂ ⊙ φ̂:
 * dũ = dℓ·Ωᵀ − (Σ_r dℓ_r)·ũ, du = dũ/p^¼.
 *
 * - s must be ≥ ℓ at every real token (a maximum over what it stabilises); it is a constant for autodiff.
 * - `realTokens` [batch, 1, seq, 1] (1 real, 0 padded) zeroes padded tokens' features inside the op (their logits,
 *   which s need not bound, are clamped at s first, so no exponential overflows): their gradient is then exactly 0.
 * - Ω is a constant too: FAVOR+ draws it, never trains it (§2.4), so its gradient is returned as zeros rather than
 *   spending a [seq, p]ᵀ×[seq, m] product on ũᵀ·dℓ.
 * - `zeroNonFinite` (default false) sets non-finite features (from NaN or ±Infinity in u, or a NaN stabiliser) to 0
 *   inside the op, so a consumer that needs finite inputs (the chunked causal core, `inputsFinite`) can keep these
 *   features instead of a cleaned copy of its own; such a feature's gradient is then 0 (NaN without the option).
 *   Finite features: the same values and gradients either way.
 */
export function favorFeatures(
  u: tf.Tensor4D,
  omega: tf.Tensor2D,
  stabiliser: tf.Tensor | ((logits: tf.Tensor4D) => tf.Tensor),
  realTokens?: tf.Tensor4D,
  zeroNonFinite = false,
): FavorFeatures {
  const [batch, heads, seq, p] = u.shape;
  const m = omega.shape[1];
  let s: tf.Tensor | undefined;
  const op = tf.customGrad(((ui: tf.Tensor, o: tf.Tensor, save: tf.GradSaveFunc) => {
    const phi = tf.tidy(() => {
      const logits = favorLogits(ui as tf.Tensor4D, o as tf.Tensor2D);
      s = tf.keep(typeof stabiliser === 'function' ? stabiliser(logits) : tf.clone(stabiliser));
      const exponent = tf.sub(logits, s);
      const features = realTokens
        ? tf.mul(tf.mul(tf.exp(tf.minimum(exponent, 0)), 1 / Math.sqrt(m)), realTokens)
        : tf.mul(tf.exp(exponent), 1 / Math.sqrt(m));
      return (zeroNonFinite ? finiteOrZero(features) : features) as tf.Tensor4D;
    });
    save([ui, phi]);
    return {
      value: phi,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [us, features] = saved as [tf.Tensor4D, tf.Tensor4D];
          const dLogits = tf.reshape(tf.mul(dy, features), [batch * heads * seq, m]) as tf.Tensor2D;
          const flat = tf.reshape(us, [batch * heads * seq, p]) as tf.Tensor2D;
          // du = (dℓ·Ωᵀ − (Σ_r dℓ_r)·ũ)/p^¼ with ũ = u/p^¼.
          const du = tf.sub(
            tf.mul(tf.matMul(dLogits, o as tf.Tensor2D, false, true), p ** -0.25),
            tf.mul(tf.sum(dLogits, -1, true), tf.mul(flat, p ** -0.5)),
          );
          return [tf.reshape(du, us.shape), tf.zerosLike(o)];
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const features = op(u, omega) as tf.Tensor4D;
  return { features, stabiliser: s! };
}

/**
 * Query features φ̂(q) = exp(ℓ − max_r ℓ)/√m [batch, heads, seq, m]: the per-token stabiliser (a constant per query
 * row) cancels between numerator and denominator, and keeps every feature ≤ 1/√m. `zeroNonFinite` (default false):
 * features of a query with NaN or ±Infinity entries are 0 (see `favorFeatures`).
 */
export function favorQueryFeatures(q: tf.Tensor4D, omega: tf.Tensor2D, zeroNonFinite = false): tf.Tensor4D {
  const { features, stabiliser } = favorFeatures(
    q,
    omega,
    (logits) => tf.max(logits, -1, true),
    undefined,
    zeroNonFinite,
  );
  stabiliser.dispose();
  return features;
}

/**
 * Key features φ̂(k) [batch, heads, seq, m] with padded keys exactly zero, stabilised by M, the maximum of ℓ over the
 * real keys a query may see (it cancels in the ratio like the query stabiliser):
 * - non-causal: one M per sample and head, over all real keys and features;
 * - causal: the running maximum M_s over keys ≤ s (so no later token can change an earlier output); then
 *   φ̂(k_s) = exp(ℓ_s − M_s)/√m and the causal core must weight key s for query t by e^(M_s − M_t): `logDecay` = −M
 *   [batch, heads, seq] is that (non-increasing) cumulative log-decay.
 * M is a constant for autodiff (its exact gradient contribution is zero). Causal features are zeroed where non-finite
 * (NaN or ±Infinity in k, or a running maximum made NaN by an earlier such key), as the chunked causal core keeps
 * them as its finite keys (`inputsFinite`).
 */
export function favorKeyFeatures(
  k: tf.Tensor4D,
  omega: tf.Tensor2D,
  { causal, mask }: { causal: boolean; mask?: tf.Tensor2D },
): { features: tf.Tensor4D; logDecay?: tf.Tensor3D } {
  const [batch, heads, seq] = k.shape;
  return tf.tidy(() => {
    const realTokens = mask ? (tf.reshape(tf.cast(mask, 'float32'), [batch, 1, seq, 1]) as tf.Tensor4D) : undefined;
    const stabilise = (logits: tf.Tensor4D): tf.Tensor => {
      const logitMax = tf.max(logits, -1, true) as tf.Tensor4D; // [b, h, seq, 1]
      if (!realTokens) return causal ? runningMax(logitMax) : tf.max(logitMax, 2, true);
      const isReal = tf.broadcastTo(tf.cast(realTokens, 'bool'), logitMax.shape);
      const tokenMax = tf.where(isReal, logitMax, tf.fill(logitMax.shape, NO_KEY)) as tf.Tensor4D;
      if (!causal) return tf.max(tokenMax, 2, true);
      // Before the first real key the running maximum would be NO_KEY, and the chunked core, which measures
      // log-decays from a chunk's first token, would lose every real token's decay against −NO_KEY in float32.
      // There (only there: afterwards M_s ≥ that key's maximum) use the smallest real token maximum instead.
      const smallestReal = tf.min(tf.where(isReal, logitMax, tf.fill(logitMax.shape, -NO_KEY)), 2, true);
      return tf.maximum(runningMax(tokenMax), smallestReal);
    };
    const { features, stabiliser } = favorFeatures(k, omega, stabilise, realTokens, causal);
    const logDecay = causal ? (tf.neg(tf.reshape(stabiliser, [batch, heads, seq])) as tf.Tensor3D) : undefined;
    stabiliser.dispose(); // kept by favorFeatures: not freed by this tidy
    return { features, ...(logDecay ? { logDecay } : {}) };
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
