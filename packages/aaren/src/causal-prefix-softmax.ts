import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from '@tost/ops';
import { AAREN_CHUNK_SIZE, NO_SCORE } from './constants.js';
import { exclusiveRescaledScan, prefixMax } from './rescaled-scan.js';

/**
 * The causal prefix softmax of Aaren (Feng et al., "Attention as an RNN", arXiv 2405.13956, §3.1–3.2):
 * `o_t = Σ_{j≤t} softmax_j(s_j)·v_j` over the real tokens j ≤ t (0 when there is none), for scores s [batch, heads,
 * seq] and values v [batch, heads, seq, p] → [batch, heads, seq, p]. One score per token (a learned query), so the
 * whole prefix softmax costs O(seq·p) values — evaluated by chunks of `chunkSize` tokens, never a [seq, seq] matrix:
 *   M_t = running max of the scores (Hillis–Steele);
 *   inside a chunk E[t, j] = exp(s_j − M_t) for real j ≤ t (every entry ≤ 1), numerator E·V, denominator Σ_j E;
 *   across chunks each chunk's summary (M at its end, Σ exp(s − M), Σ exp(s − M)·v) is combined by an exclusive
 *   rescaled scan (`exclusiveRescaledScan`) and added with the factor exp(M_prev − M_t) ≤ 1.
 * The gradient is hand-written and recomputes what it needs from the scores, values, output and the log-sum-exp
 * ℓ_t = M_t + log Σ_{j≤t} exp(s_j − M_t): with α_tj = exp(s_j − ℓ_t) and δ_t = dO_t·o_t,
 *   dv_j = Σ_{t≥j} α_tj dO_t,  ds_j = v_j·dv_j − Σ_{t≥j} α_tj δ_t,
 * the same chunked scheme run backwards (ℓ is non-decreasing, so every exponent stays ≤ 0).
 *
 * Exact for any future value: scores and values of tokens after t never reach o_t (selects, not products; non-finite
 * values are zeroed before the masked block products).
 */
export function causalPrefixSoftmax(
  scores: tf.Tensor3D,
  values: tf.Tensor4D,
  mask?: tf.Tensor2D,
  chunkSize = AAREN_CHUNK_SIZE,
): tf.Tensor4D {
  const [batch, heads, seq, p] = values.shape;
  if (scores.shape.length !== 3 || scores.shape.some((d, i) => d !== values.shape[i])) {
    throw new RangeError(
      `causalPrefixSoftmax: 'scores' must have shape [batch, heads, seq] = [${batch}, ${heads}, ${seq}], got ` +
        `[${scores.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(
      `causalPrefixSoftmax: 'chunkSize' must be a positive integer, got ${String(chunkSize)}`,
    );
  }
  const b = Math.min(chunkSize, Math.max(seq, 1));
  const chunks = Math.ceil(seq / b);
  const padded = chunks * b;
  const groups = batch * heads;
  return tf.tidy(() => {
    const real = mask
      ? tf.broadcastTo(tf.reshape(mask, [batch, 1, seq]), [batch, heads, seq])
      : tf.ones([batch, heads, seq]);
    const masked = tf.where(tf.cast(real, 'bool'), scores, tf.fill(scores.shape, NO_SCORE));
    const pad = padded - seq;
    const chunked = (t: tf.Tensor, fill: number, tail: number[]): tf.Tensor => {
      const full = pad
        ? tf.pad(t, [[0, 0], [0, 0], [0, pad], ...tail.map(() => [0, 0] as [number, number])], fill)
        : t;
      return tf.reshape(full, [groups, chunks, b, ...tail]);
    };
    const y = prefixSoftmaxChunks(
      chunked(masked, NO_SCORE, []),
      chunked(finiteOrZero(values), 0, [p]),
      chunked(real, 0, []),
    ) as tf.Tensor4D;
    const flat = tf.reshape(y, [batch, heads, padded, p]);
    return (pad ? tf.slice(flat, [0, 0, 0, 0], [batch, heads, seq, p]) : flat) as tf.Tensor4D;
  });
}

/** Lower triangle [b, b] as bool: key j ≤ query t. */
function lowerTriangle(b: number): tf.Tensor2D {
  return tf.cast(tf.linalg.bandPart(tf.ones([b, b]), -1, 0), 'bool') as tf.Tensor2D;
}

/** exp(keyScore_j − queryRef_t) for allowed (real, j ≤ t) pairs, 0 elsewhere: [groups, chunks, b, b]. */
function blockWeights(keyScore: tf.Tensor, queryRef: tf.Tensor, real: tf.Tensor): tf.Tensor4D {
  const [groups, chunks, b] = keyScore.shape as [number, number, number];
  const diff = tf.sub(tf.expandDims(keyScore, 2), tf.expandDims(queryRef, 3));
  const allowed = tf.logicalAnd(lowerTriangle(b), tf.cast(tf.expandDims(real, 2), 'bool'));
  return tf.where(
    tf.broadcastTo(allowed, [groups, chunks, b, b]),
    tf.exp(diff),
    tf.zerosLike(diff),
  ) as tf.Tensor4D;
}

/** [g, c, m, n] ↔ [g·c, m, n] for the batch of 2-D block products. */
function blocks(x: tf.Tensor): tf.Tensor3D {
  const [g, c, m, n] = x.shape as [number, number, number, number];
  return tf.reshape(x, [g * c, m, n]);
}

/**
 * op(a)·op(b) over the chunk-sized blocks as ONE batched matMul: with [64, 64] blocks per-op overhead dominates, and
 * on wasm `@tost/backend` runs it as a loop of single products from views of the operands (its BatchMatMul kernel).
 */
function blockMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false): tf.Tensor3D {
  return tf.matMul(a, b, transposeA, false);
}

function lastToken(x: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const begin = shape.map((_, i) => (i === 2 ? shape[2]! - 1 : 0));
  const size = shape.map((d, i) => (i === 2 ? 1 : d));
  return tf.squeeze(tf.slice(x, begin, size), [2]);
}

/** Forward on chunked inputs: scores [g, c, b] (NO_SCORE at padding), values [g, c, b, p], real [g, c, b]. */
function forward(
  scores: tf.Tensor3D,
  values: tf.Tensor4D,
  real: tf.Tensor3D,
): { y: tf.Tensor4D; lse: tf.Tensor3D } {
  const [groups, chunks, b, p] = values.shape;
  return tf.tidy(() => {
    const runningMax = tf.reshape(prefixMax(tf.reshape(scores, [groups, chunks * b])), [groups, chunks, b]);
    const weights = blockWeights(scores, runningMax, real);
    // [numerator | denominator] of every token's in-chunk part: E·[V, 1].
    const local = tf.reshape(
      blockMatMul(blocks(weights), blocks(tf.concat([values, tf.ones([groups, chunks, b, 1])], 3))),
      [groups, chunks, b, p + 1],
    );
    const summary = exclusiveRescaledScan(
      lastToken(runningMax) as tf.Tensor2D,
      lastToken(local) as tf.Tensor3D,
    );
    const carry = tf.exp(tf.sub(tf.expandDims(summary.m, 2), runningMax)); // ≤ 1
    const total = tf.add(local, tf.mul(tf.expandDims(summary.x, 2), tf.expandDims(carry, 3)));
    // The denominator is ≥ 1 once a real token is seen (the running max contributes exp(0)) and 0 before: floor 1.
    const denominator = tf.maximum(tf.slice(total, [0, 0, 0, p], [groups, chunks, b, 1]), 1);
    const y = tf.div(tf.slice(total, [0, 0, 0, 0], [groups, chunks, b, p]), denominator) as tf.Tensor4D;
    const lse = tf.add(runningMax, tf.log(tf.squeeze(denominator, [3]))) as tf.Tensor3D;
    return { y, lse };
  });
}

/** Backward on chunked tensors (see `causalPrefixSoftmax`): returns [dScores, dValues]. */
function backward(
  dy: tf.Tensor4D,
  scores: tf.Tensor3D,
  values: tf.Tensor4D,
  real: tf.Tensor3D,
  y: tf.Tensor4D,
  lse: tf.Tensor3D,
): [tf.Tensor3D, tf.Tensor4D] {
  const [groups, chunks, b, p] = values.shape;
  return tf.tidy(() => {
    // Tokens with no real token at or before them output a constant 0: leave them out (their ℓ is NO_SCORE).
    const seen = tf.greater(lse, NO_SCORE / 2);
    const negLse = tf.where(seen, tf.neg(lse), tf.fill(lse.shape, NO_SCORE)) as tf.Tensor3D;
    // Per query token t: [dO_t, δ_t] with δ_t = dO_t·o_t.
    const upstream = tf.concat([dy, tf.sum(tf.mul(dy, y), 3, true)], 3) as tf.Tensor4D;
    // In-chunk part: F[t, j] = exp(s_j − ℓ_t) for real j ≤ t; G_j = Σ_t F[t, j]·[dO_t, δ_t] = Fᵀ·upstream.
    const weights = blockWeights(scores, tf.where(seen, lse, tf.fill(lse.shape, -NO_SCORE)), real);
    const local = tf.reshape(blockMatMul(blocks(weights), blocks(upstream), true), [
      groups,
      chunks,
      b,
      p + 1,
    ]);
    // Later chunks: summary of Σ_t exp(−ℓ_t − ref)·[dO_t, δ_t] per chunk, scanned in reverse.
    const ref = tf.max(negLse, 2) as tf.Tensor2D;
    const chunkWeights = tf.exp(tf.sub(negLse, tf.expandDims(ref, 2)));
    const chunkSums = tf.sum(tf.mul(upstream, tf.expandDims(chunkWeights, 3)), 2) as tf.Tensor3D;
    const later = exclusiveRescaledScan(ref, chunkSums, true);
    const carry = tf.where(
      tf.cast(real, 'bool'),
      tf.exp(tf.add(scores, tf.expandDims(later.m, 2))),
      tf.zerosLike(scores),
    );
    const total = tf.add(local, tf.mul(tf.expandDims(later.x, 2), tf.expandDims(carry, 3)));
    const dValues = tf.slice(total, [0, 0, 0, 0], [groups, chunks, b, p]) as tf.Tensor4D;
    const weighted = tf.squeeze(tf.slice(total, [0, 0, 0, p], [groups, chunks, b, 1]), [3]);
    const dScores = tf.sub(tf.sum(tf.mul(values, dValues), 3), weighted) as tf.Tensor3D;
    return [dScores, dValues];
  });
}

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor>>[0];

const prefixSoftmaxChunks = tf.customGrad(((
  scores: tf.Tensor3D,
  values: tf.Tensor4D,
  real: tf.Tensor3D,
  save: tf.GradSaveFunc,
) => {
  const { y, lse } = forward(scores, values, real);
  save([scores, values, real, y, lse]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [s, v, r, out, l] = saved as [tf.Tensor3D, tf.Tensor4D, tf.Tensor3D, tf.Tensor4D, tf.Tensor3D];
      const [dScores, dValues] = backward(dy as tf.Tensor4D, s, v, r, out, l);
      return [dScores, dValues, tf.zerosLike(r)];
    },
  };
}) as unknown as CustomGradientFunction) as unknown as (
  scores: tf.Tensor,
  values: tf.Tensor,
  real: tf.Tensor,
) => tf.Tensor;
