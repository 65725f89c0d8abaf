import * as tf from '@tensorflow/tfjs-core';

/**
 * Global-norm gradient clipping (Pascanu et al., arXiv:1211.5063, §3.2): when ‖g‖ = √(Σᵢ ‖gᵢ‖²) exceeds `maxNorm`,
 * every gradient is scaled by maxNorm / ‖g‖ (the direction is kept). `maxNorm` 0 disables clipping.
 * Returns the (possibly scaled) gradients in the same order and the norm before clipping, as new tensors (call it in
 * a tidy or dispose them). Throws on an empty list or a negative `maxNorm`.
 */
export function clipByGlobalNorm(
  grads: readonly tf.Tensor[],
  maxNorm: number,
): { grads: tf.Tensor[]; norm: tf.Scalar } {
  if (grads.length === 0) throw new Error('clipByGlobalNorm: grads is empty');
  if (!Number.isFinite(maxNorm) || maxNorm < 0)
    throw new Error(`clipByGlobalNorm: maxNorm must be a finite number ≥ 0 (0 = off), got ${maxNorm}`);
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    if (maxNorm === 0) return { grads: grads.map((g) => tf.clone(g)), norm };
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { grads: grads.map((g) => tf.mul(g, scale)), norm };
  });
}
