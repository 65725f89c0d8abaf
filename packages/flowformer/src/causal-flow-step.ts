import * as tf from '@tensorflow/tfjs-core';
import { shiftedDot } from './flow-attention-core.js';
import type { StateTensors } from '@tost/attention';
import type { CAUSAL_FLOW_STATE, CausalFlowState } from './causal-flow-state.js';

/**
 * One token of causal Flow-Attention as a recurrence. Why it equals the full causal forward: every quantity at
 * position t — I_t, O_t, Î_t, Ô_t, c_t — reads only prefix sums up to t (Σφk, Σφq, Σφk·O, Σφq·I, Σexp(Ô)) and the
 * token itself, and c_j of an earlier token never changes once computed; so adding token t's terms to the sums and
 * its φk ⊗ c·v to the [p, p] state reproduces out_t = a_t·(φq_t I_t/r_t)·Σ_{j≤t} φk_j ⊗ c_j v_j. Cost O(p²) per head,
 * whatever t.
 *
 * @param q, k, v the projected token split into heads, [batch, heads, p]
 * @returns y [batch, heads, p] and the sums including token t
 */
export function causalFlowStep(
  state: CausalFlowState,
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
): { y: tf.Tensor3D; state: StateTensors<typeof CAUSAL_FLOW_STATE> } {
  return tf.tidy(() => {
    const r = state.position + 1;
    const phiQ = tf.sigmoid(q);
    const phiK = tf.sigmoid(k);
    const sumKeys = tf.add(state.sumKeys, phiK) as tf.Tensor3D;
    const sumQueries = tf.add(state.sumQueries, phiQ) as tf.Tensor3D;
    const incoming = tf.div(r, shiftedDot(phiQ, sumKeys));
    const outgoing = tf.div(r, shiftedDot(phiK, sumQueries));
    const sumKeyOutgoing = tf.add(state.sumKeyOutgoing, tf.mul(phiK, outgoing)) as tf.Tensor3D;
    const sumQueryIncoming = tf.add(state.sumQueryIncoming, tf.mul(phiQ, incoming)) as tf.Tensor3D;
    const sink = tf.div(shiftedDot(phiQ, sumKeyOutgoing), r);
    const source = tf.clipByValue(tf.div(shiftedDot(phiK, sumQueryIncoming), r), -1, 1);
    const weight = tf.exp(source);
    const sumCompetition = tf.add(state.sumCompetition, weight) as tf.Tensor3D;
    const competition = tf.div(tf.mul(weight, r), sumCompetition);
    // φk ⊗ c·v: [batch, heads, p, 1] · [batch, heads, 1, p].
    const outer = tf.mul(tf.expandDims(phiK, 3), tf.expandDims(tf.mul(v, competition), 2));
    const keyValue = tf.add(state.keyValue, outer) as tf.Tensor4D;
    const query = tf.mul(phiQ, tf.div(incoming, r));
    const y = tf.mul(tf.sum(tf.mul(tf.expandDims(query, 3), keyValue), 2), tf.sigmoid(sink)) as tf.Tensor3D;
    return {
      y,
      state: { sumKeys, sumQueries, sumKeyOutgoing, sumQueryIncoming, sumCompetition, keyValue },
    };
  });
}
