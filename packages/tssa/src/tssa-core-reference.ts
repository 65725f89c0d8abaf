import * as tf from '@tensorflow/tfjs-core';
import { validateCoreInputs } from './core-inputs.js';
import type { tssaCoreWithMembership } from './tssa-core.js';

/**
 * The TSSA attention core (ToST, arXiv 2412.17810 steps 2–7), written step by step in plain differentiable tfjs ops — the
 * READABLE version. It computes the same values as `tssaCore`, but tfjs autodiff keeps every intermediate for the
 * backward pass; `tssaCore` uses a hand-written gradient that keeps only small per-head statistics. Tests check the
 * two against each other (values and gradients). Its type is `tssaCoreWithMembership`'s.
 *
 * @param w projected heads [batch, heads, seq, p], already zero at padded tokens.
 * @param temperature τ [heads, 1].
 */
export const tssaCoreReference: typeof tssaCoreWithMembership = (w, temperature, options = {}) => {
  validateCoreInputs('tssaCoreReference', w, temperature, options);
  const [batch, heads, seq] = w.shape;
  return tf.tidy(() => {
    const tokenMask: tf.Tensor3D = options.mask
      ? (tf.reshape(tf.cast(options.mask, 'float32'), [batch, 1, seq]) as tf.Tensor3D)
      : tf.ones([batch, 1, seq]);

    // Step 2: column norms over TOKENS, ν = max(sqrt(Σ_i w²), 1e-12). Written as sqrt(max(Σ_i w², 1e-24)): the
    // same value, but autodiff does not produce 0/0 for an all-zero column (e.g. a fully padded sample).
    const columnNorm = tf.sqrt(tf.maximum(tf.sum(tf.square(w), 2, true), 1e-24));
    // Step 3: ℓ = τ · Σ_j (w / ν)².
    const logits = tf.mul(
      tf.sum(tf.square(tf.div(w, columnNorm)), 3),
      tf.reshape(temperature, [1, heads, 1]),
    ) as tf.Tensor3D;
    // Step 4: softmax over the HEAD axis (tf.softmax works on the last axis, so move heads there and back).
    const membership = tf.transpose(tf.softmax(tf.transpose(logits, [0, 2, 1])), [0, 2, 1]);
    // Padded tokens take no part in the statistics below and report Π = 0.
    const maskedMembership = tf.mul(membership, tokenMask) as tf.Tensor3D;
    const pi = tf.expandDims(maskedMembership, 3); // [B, H, N, 1]
    // Step 5: Π-weighted mean of the RAW squared projections.
    const statistic = tf.div(tf.sum(tf.mul(pi, tf.square(w)), 2, true), tf.add(tf.sum(pi, 2, true), 1e-8));
    // Step 6: gain g = 1 / (1 + s), with attention dropout applied to g.
    let gain = tf.div(1, tf.add(1, statistic));
    if (options.gainScale) gain = tf.mul(gain, options.gainScale);
    // Step 7: y = −Π · w · g.
    const output = tf.neg(tf.mul(tf.mul(pi, w), gain)) as tf.Tensor4D;
    return { output, membership: maskedMembership };
  });
};
