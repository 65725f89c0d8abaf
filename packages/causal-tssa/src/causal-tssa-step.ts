import * as tf from '@tensorflow/tfjs-core';
import { ENERGY_FLOOR, MASS_EPSILON } from './constants.js';
import { softmaxOverHeads } from './head-softmax.js';
import type { CausalTSSAState } from './causal-tssa-state.js';

export interface CausalTSSAStepResult {
  /** Per-head output y_t, [batch, heads, p]. */
  y: tf.Tensor3D;
  /** Membership Π_t, [batch, heads, 1]. */
  membership: tf.Tensor3D;
  /** The running sums including token t. */
  sums: Omit<CausalTSSAState, 'position'>;
}

/**
 * One token of the causal core as a recurrence (ToST, arXiv 2412.17810, "Streaming property").
 *
 * Why this equals the full causal forward: every statistic the causal core uses at position t is a prefix sum over
 * i ≤ t — Σw² (step 1), ΣΠ·w² and ΣΠ (step 3) — and each token's Π depends only on its own w_t, β_t and the prefix
 * Σw² up to t, so it is fixed once computed. Adding token t's contribution to the three sums therefore reproduces the
 * cumulative sums exactly (same float32 additions, in the same order).
 *
 * Why the cost does not grow with t: the work is a fixed number of elementwise ops on [batch, heads, p] tensors; the
 * previous tokens are never read again, only the three sums.
 *
 * @param w     the projected token split into heads, [batch, heads, p]
 * @param temperature τ, [heads, 1]
 * @param beta  β at this position, [heads, 1]
 */
export function causalTSSAStep(
  sums: Omit<CausalTSSAState, 'position'>,
  w: tf.Tensor3D,
  temperature: tf.Tensor2D,
  beta: tf.Tensor2D,
): CausalTSSAStepResult {
  const [, heads, p] = w.shape;
  return tf.tidy(() => {
    const squares = tf.square(w);
    // Step 1: q = w²/max(Σ_{i≤t} w², 1e-12) + β_t; step 2: ℓ = τ·Σ_j q, Π = softmax over heads.
    const sumSquares = tf.add(sums.sumSquares, squares) as tf.Tensor3D;
    const normalised = tf.add(
      tf.sum(tf.div(squares, tf.maximum(sumSquares, ENERGY_FLOOR)), 2, true),
      tf.mul(tf.reshape(beta, [1, heads, 1]), p),
    );
    const membership = softmaxOverHeads(
      tf.mul(tf.reshape(temperature, [1, heads, 1]), normalised),
    ) as tf.Tensor3D;
    // Step 3: s = Σ_{i≤t} Π·w² / (Σ_{i≤t} Π + 1e-8).
    const sumPi = tf.add(sums.sumPi, membership) as tf.Tensor3D;
    const sumPiSquares = tf.add(sums.sumPiSquares, tf.mul(membership, squares)) as tf.Tensor3D;
    const s = tf.div(sumPiSquares, tf.add(sumPi, MASS_EPSILON));
    // Step 4: y = −Π·w·g with g = 1/(1+s).
    const y = tf.neg(tf.mul(tf.mul(membership, w), tf.reciprocal(tf.add(s, 1)))) as tf.Tensor3D;
    return { y, membership, sums: { sumSquares, sumPiSquares, sumPi } };
  });
}
