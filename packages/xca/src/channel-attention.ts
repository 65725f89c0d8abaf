import * as tf from '@tensorflow/tfjs-core';

/** Floor of a channel's norm over the tokens (`F.normalize`'s ε): an all-zero channel stays 0 instead of NaN. */
export const XCA_NORM_EPSILON = 1e-12;

/**
 * The core of cross-covariance attention (XCiT, arXiv 2106.09681, §3.1) with a hand-written gradient, for q, k, v
 * [batch, heads, N, p] (padded tokens already zero) and the temperature τ [heads]: per head, every channel divided by
 * its L2 norm over the tokens (floored at 1e-12), A = softmax_rows(τ·q̂ᵀ·k̂) [p, p], O = v·Aᵀ [batch, heads, N, p].
 *
 * Backward (keeps only q, k, v and τ; O(N·p) memory, no autodiff tape over the N-long intermediates):
 * dv = dO·A; dA = dOᵀ·v; dZ = A ⊙ (dA − rowsum(dA ⊙ A)); dτ = Σ dZ ⊙ C; dC = τ·dZ; dq̂ = k̂·dCᵀ; dk̂ = q̂·dC; and
 * through the normalisation q̂ = q / ‖q‖: dq = dq̂/‖q‖ − q·Σ_n(dq̂ ⊙ q)/‖q‖³ (0 where the norm is floored).
 */
export function channelAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, temperature: tf.Tensor1D): tf.Tensor4D {
  return channelAttentionOp(q, k, v, temperature);
}

interface Normalized {
  unit: tf.Tensor4D;
  /** max(‖t_{·i}‖, ε) per channel, [batch, heads, 1, p]. */
  norm: tf.Tensor4D;
  /** Whether the norm is above the floor (the gradient flows through it). */
  above: tf.Tensor4D;
}

function normalize(t: tf.Tensor4D): Normalized {
  const squares = tf.sum(tf.square(t), 2, true);
  const norm = tf.sqrt(tf.maximum(squares, XCA_NORM_EPSILON ** 2)) as tf.Tensor4D;
  return {
    unit: tf.div(t, norm) as tf.Tensor4D,
    norm,
    above: tf.greater(squares, XCA_NORM_EPSILON ** 2) as tf.Tensor4D,
  };
}

/** Gradient w.r.t. t of t / max(‖t‖, ε) for the gradient `dUnit` of the normalised tensor. */
function normalizeBackward(t: tf.Tensor4D, n: Normalized, dUnit: tf.Tensor4D): tf.Tensor4D {
  const along = tf.sum(tf.mul(dUnit, t), 2, true); // Σ_n dq̂ ⊙ q, [batch, heads, 1, p]
  const radial = tf.where(n.above, tf.div(along, tf.pow(n.norm, 3)), tf.zerosLike(along));
  return tf.sub(tf.div(dUnit, n.norm), tf.mul(t, radial)) as tf.Tensor4D;
}

function forward(q: tf.Tensor4D, k: tf.Tensor4D, temperature: tf.Tensor1D) {
  const nq = normalize(q);
  const nk = normalize(k);
  const cross = tf.matMul(nq.unit, nk.unit, true, false); // C = q̂ᵀ·k̂, [batch, heads, p, p]
  const tau = tf.reshape(temperature, [1, -1, 1, 1]);
  const attention = tf.softmax(tf.mul(cross, tau)) as tf.Tensor4D;
  return { nq, nk, cross, tau, attention };
}

const channelAttentionOp = tf.customGrad(((
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  temperature: tf.Tensor1D,
  save: tf.GradSaveFunc,
) => {
  save([q, k, v, temperature]);
  const value = tf.tidy(() => tf.matMul(v, forward(q, k, temperature).attention, false, true));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sq, sk, sv, st] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
        const dO = dy as tf.Tensor4D;
        const f = forward(sq, sk, st);
        const dv = tf.matMul(dO, f.attention);
        const dA = tf.matMul(dO, sv, true, false);
        const dZ = tf.mul(f.attention, tf.sub(dA, tf.sum(tf.mul(dA, f.attention), 3, true)));
        const dTemperature = tf.reshape(tf.sum(tf.mul(dZ, f.cross), [0, 2, 3]), st.shape);
        const dC = tf.mul(dZ, f.tau) as tf.Tensor4D;
        const dq = normalizeBackward(sq, f.nq, tf.matMul(f.nk.unit, dC, false, true));
        const dk = normalizeBackward(sk, f.nk, tf.matMul(f.nq.unit, dC));
        return [dq, dk, dv, dTemperature];
      }),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  temperature: tf.Tensor1D,
) => tf.Tensor4D;
