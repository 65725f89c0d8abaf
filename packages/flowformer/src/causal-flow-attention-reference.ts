import * as tf from '@tensorflow/tfjs-core';
import { headTokenMask } from '@tost/attention';
import { COMPETITION_FLOOR } from './constants.js';
import type { causalFlowAttention } from './causal-flow-attention-core.js';
import { shiftedDot } from './flow-attention-core.js';

/**
 * Causal Flow-Attention written the direct, quadratic way (for tests only): every prefix sum is a product with the
 * [seq, seq] lower triangle and the output is (Q'·Kᵀ ⊙ L)·V'. Same formulas as `causalFlowAttention`, no chunks, no
 * custom gradient — the reference the chunked form and its hand-written gradient are checked against. Its type is
 * `causalFlowAttention`'s; it has no chunks, so it ignores `chunkSize`.
 */
export const causalFlowAttentionReference: typeof causalFlowAttention = (q, k, v, mask) =>
  tf.tidy(() => {
    const [batch, heads, seq] = q.shape;
    const lower = tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0);
    const prefix = (x: tf.Tensor): tf.Tensor =>
      tf.matMul(
        tf.broadcastTo(lower, [batch, heads, seq, seq]) as tf.Tensor4D,
        tf.broadcastTo(x, [batch, heads, seq, x.shape[3]!]) as tf.Tensor4D,
      );
    const real = mask ? headTokenMask(mask) : tf.ones([1, 1, seq, 1]);
    const phiQ = tf.mul(tf.sigmoid(q), real);
    const phiK = tf.mul(tf.sigmoid(k), real);
    const r = tf.maximum(prefix(real), 1);
    const incoming = tf.div(r, shiftedDot(phiQ, prefix(phiK)));
    const outgoing = tf.div(r, shiftedDot(phiK, prefix(phiQ)));
    const sink = tf.div(shiftedDot(phiQ, prefix(tf.mul(phiK, outgoing))), r);
    const source = tf.clipByValue(tf.div(shiftedDot(phiK, prefix(tf.mul(phiQ, incoming))), r), -1, 1);
    const e = tf.mul(tf.exp(source), real);
    const competition = tf.div(tf.mul(e, r), tf.maximum(prefix(e), COMPETITION_FLOOR)); // 0/0 before the first real token
    const scores = tf.mul(
      tf.matMul(tf.mul(phiQ, tf.div(incoming, r)) as tf.Tensor4D, phiK, false, true),
      lower,
    );
    const y = tf.matMul(scores as tf.Tensor4D, tf.mul(v, competition) as tf.Tensor4D);
    return tf.mul(y, tf.sigmoid(sink)) as tf.Tensor4D;
  });
