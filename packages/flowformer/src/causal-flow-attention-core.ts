import * as tf from '@tensorflow/tfjs-core';
import { headTokenMask } from '@tost/attention';
import { chunkLinearAttention } from '@tost/ops';
import { CAUSAL_CHUNK_SIZE, COMPETITION_FLOOR } from './constants.js';
import { shiftedDot } from './flow-attention-core.js';
import { prefixSum } from './prefix-sum.js';

/**
 * Causal Flow-Attention (Wu et al., ICML 2022, arXiv 2202.06258, §3.3; the authors' `Flow_Attention_Causal.forward`
 * in thuml/Flowformer `Flow_Attention.py`) on projected q, k, v [batch, heads, seq, p] → [batch, heads, seq, p].
 * Every sum of the non-causal form becomes a prefix sum over j ≤ i, and r_i (the number of real tokens at or before
 * i; the authors' `normal`) rescales the flows:
 *   I_i = r_i/((φq_i+ε)·(Σ_{j≤i} φk_j+ε)),  O_i = r_i/((φk_i+ε)·(Σ_{j≤i} φq_j+ε)),
 *   Î_i = (φq_i+ε)·(Σ_{j≤i} φk_j O_j+ε)/r_i,  Ô_i = clamp((φk_i+ε)·(Σ_{j≤i} φq_j I_j+ε)/r_i, −1, 1),
 *   a_i = sigmoid(Î_i),  c_i = r_i·exp(Ô_i)/Σ_{j≤i} exp(Ô_j),
 *   out_i = a_i · Σ_{j≤i} ((φq_i I_i/r_i)·φk_j) c_j v_j   (chunked: `chunkLinearAttention` of @tost/ops).
 * Padded tokens have φq = φk = 0 and are left out of r and of the running softmax. Exact for any future value: the
 * prefix sums only carry values forward, and the chunked product zeroes non-finite entries.
 */
export function causalFlowAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask?: tf.Tensor2D,
  chunkSize = CAUSAL_CHUNK_SIZE,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, , seq] = q.shape;
    const real = mask ? headTokenMask(mask) : undefined;
    const phiQ = real ? tf.mul(tf.sigmoid(q), real) : tf.sigmoid(q);
    const phiK = real ? tf.mul(tf.sigmoid(k), real) : tf.sigmoid(k);
    // r_i: real tokens so far (a constant of the graph), and r̃ = max(r, 1) to divide by before the first real token.
    const count = mask
      ? (tf.reshape(tf.cumsum(mask, 1), [batch, 1, seq, 1]) as tf.Tensor4D)
      : (tf.reshape(tf.range(1, seq + 1), [1, 1, seq, 1]) as tf.Tensor4D);
    const divisor = tf.maximum(count, 1);
    // (1) incoming and outgoing flow, scaled by r.
    const incoming = tf.div(divisor, shiftedDot(phiQ, prefixSum(phiK)));
    const outgoing = tf.div(divisor, shiftedDot(phiK, prefixSum(phiQ)));
    // (2) conservation refinement.
    const conservedSink = tf.div(shiftedDot(phiQ, prefixSum(tf.mul(phiK, outgoing))), divisor);
    const conservedSource = tf.clipByValue(
      tf.div(shiftedDot(phiK, prefixSum(tf.mul(phiQ, incoming))), divisor),
      -1,
      1,
    );
    // (3) allocation and the running softmax of competition (Ô ∈ [−1, 1]: exp needs no running max).
    const allocation = tf.sigmoid(conservedSink);
    const weights = real ? tf.mul(tf.exp(conservedSource), real) : tf.exp(conservedSource);
    const total = tf.maximum(prefixSum(weights), COMPETITION_FLOOR); // 0 only before the first real token
    const competition = tf.div(tf.mul(weights, count), total);
    // (4) causal product (chunked, hand-written gradient; zeroes non-finite entries itself), allocation.
    const y = chunkLinearAttention(
      tf.mul(phiQ, tf.div(incoming, divisor)) as tf.Tensor4D,
      phiK as tf.Tensor4D,
      tf.mul(v, competition) as tf.Tensor4D,
      { chunkSize },
    );
    return tf.mul(y, allocation) as tf.Tensor4D;
  });
}
