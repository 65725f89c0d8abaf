import * as tf from '@tensorflow/tfjs-core';
import { ENERGY_FLOOR, MASS_EPSILON } from './constants.js';
import type { CausalTSSACoreInputs, CausalTSSACoreOutputs } from './causal-tssa-core.js';

/**
 * Σ_{i≤t} x[.., i, :] along axis 2 of [batch, heads, seq, d], written as a product with an upper-triangular matrix of
 * ones. O(seq²), but plainly differentiable: tfjs 4.22's gradient of `tf.cumsum` along a non-innermost axis is broken.
 */
function prefixSum(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, heads, seq, d] = x.shape;
  const upper = tf.linalg.bandPart(tf.ones([seq, seq]), 0, -1); // upper[i, t] = 1 for i ≤ t
  const rows = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [batch * heads * d, seq]);
  const summed = tf.reshape(tf.matMul(rows, upper), [batch, heads, d, seq]);
  return tf.transpose(summed, [0, 1, 3, 2]) as tf.Tensor4D;
}

/**
 * Plain, autodiff-differentiable causal TSSA core (ToST, arXiv 2412.17810, "Causal TSSA", steps 1–4), written straight from the
 * formulas for readability and as the reference of the custom-gradient `causalTSSACore` in tests. Quadratic in seq
 * (triangular prefix sums): use it only on short inputs.
 */
export function causalTSSACoreReference(inputs: CausalTSSACoreInputs): CausalTSSACoreOutputs {
  const { w, temperature, denominatorBias, mask, gainScale } = inputs;
  const [batch, heads, seq] = w.shape;
  return tf.tidy(() => {
    const tokenMask = mask ? tf.reshape(mask, [batch, 1, seq, 1]) : tf.ones([batch, 1, seq, 1]);
    const squares = tf.square(w);
    // 1. q = w² / max(Σ_{i≤t} w², 1e-12) + β[t]
    const q = tf.add(
      tf.div(squares, tf.maximum(prefixSum(squares), ENERGY_FLOOR)),
      tf.reshape(denominatorBias, [1, heads, seq, 1]),
    );
    // 2. ℓ = τ·Σ_j q; Π = softmax over heads (moved to the last axis for tf.softmax).
    const logits = tf.mul(tf.reshape(temperature, [1, heads, 1, 1]), tf.sum(q, 3, true));
    const membershipLast = tf.softmax(tf.transpose(tf.reshape(logits, [batch, heads, seq]), [0, 2, 1]));
    const membership = tf.mul(
      tf.reshape(tf.transpose(membershipLast, [0, 2, 1]), [batch, heads, seq, 1]),
      tokenMask,
    );
    // 3. s = Σ_{i≤t} Π w² / (Σ_{i≤t} Π + 1e-8)
    const s = tf.div(
      prefixSum(tf.mul(membership, squares) as tf.Tensor4D),
      tf.add(prefixSum(membership as tf.Tensor4D), MASS_EPSILON),
    );
    // 4. y = −Π·w·g, g = 1/(1+s) (dropout on g)
    let gain = tf.div(1, tf.add(1, s));
    if (gainScale) gain = tf.mul(gain, gainScale);
    const y = tf.mul(tf.mul(tf.mul(membership, w), gain), -1) as tf.Tensor4D;
    return { y, membership: membership as tf.Tensor4D };
  });
}
