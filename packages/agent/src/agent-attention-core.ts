import * as tf from '@tensorflow/tfjs-core';
import { keyAllowed } from '@tost/attention';
import { agentPoolingMatrix } from './agent-pooling.js';

/**
 * softmax over the last axis restricted to the allowed entries (bool, broadcastable): disallowed entries are selected
 * away and get weight exactly 0; a row with none allowed (a sample without real tokens) gives zeros. The fill is a
 * finite −1e30 rather than −∞, so such a row's gradient is 0, not NaN (softmax of an all −∞ row is NaN, and so is its
 * gradient, even behind a select).
 */
function restrictedSoftmax(scores: tf.Tensor4D, allowed: tf.Tensor4D): tf.Tensor4D {
  const full = tf.broadcastTo(allowed, scores.shape);
  const weights = tf.softmax(tf.where(full, scores, tf.fill(scores.shape, -1e30)));
  return tf.where(full, weights, tf.zerosLike(weights)) as tf.Tensor4D;
}

export interface AgentAttentionResult {
  /** Output per head, [batch, heads, seq, p]. */
  y: tf.Tensor4D;
  /** The agent tokens A, [batch, heads, agents, p] (0 for a dead agent). */
  agents: tf.Tensor4D;
  /** Whether each agent pooled at least one real token, bool [batch, 1, 1, agents]. */
  live: tf.Tensor4D;
}

/**
 * Agent Attention in sequence form (Han et al., "Agent Attention: On the Integration of Softmax and Linear
 * Attention", ECCV 2024, arXiv 2312.08874, §3.2 eq. 3, with the agents pooled from the queries as in the paper's
 * `AgentAttention`, here by adaptive average pooling over the token axis), per head on projected q, k, v
 * [batch, heads, seq, p]:
 *   A_s = mean of the real queries in segment s   (n_a agents; a segment without real tokens gives a dead agent)
 *   agent aggregation  V_A = softmax_j(A·Kᵀ/√p)·V over real keys j        [n_a, p]
 *   agent broadcast    O_i = softmax_s(q_i·Aᵀ/√p)·V_A over live agents s  [seq, p]
 * Time and memory O(seq·n_a·p): the score matrices are [n_a, seq] and [seq, n_a], never [seq, seq]. The paper's
 * agent bias and depth-wise convolution are left out. Masking is exact (`restrictedSoftmax`).
 */
export function agentAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  agentCount: number,
  mask?: tf.Tensor2D,
): AgentAttentionResult {
  return tf.tidy(() => {
    const [batch, heads, seq, p] = q.shape;
    const scale = 1 / Math.sqrt(p);
    const real = mask ?? (tf.ones([batch, seq]) as tf.Tensor2D);
    // Agents: Σ of real queries per segment / number of real tokens in it, as one 2-D product over all heads:
    // pooling [n_a, seq] · queries [seq, batch·heads·p].
    const pooling = agentPoolingMatrix(seq, agentCount);
    const maskedQ = tf.mul(q, tf.reshape(real, [batch, 1, seq, 1]));
    const tokensFirst = tf.reshape(tf.transpose(maskedQ, [2, 0, 1, 3]), [
      seq,
      batch * heads * p,
    ]) as tf.Tensor2D;
    const sums = tf.reshape(tf.matMul(pooling, tokensFirst), [agentCount, batch, heads, p]);
    const counts = tf.matMul(pooling, tf.transpose(real) as tf.Tensor2D); // [n_a, batch]
    const countsByBatch = tf.reshape(tf.transpose(counts), [batch, 1, agentCount, 1]);
    const agents = tf.div(tf.transpose(sums, [1, 2, 0, 3]), tf.maximum(countsByBatch, 1)) as tf.Tensor4D;
    const live = tf.reshape(tf.greater(countsByBatch, 0), [batch, 1, 1, agentCount]) as tf.Tensor4D;
    // Aggregation over real keys, then broadcast over live agents.
    const scaledAgents = tf.mul(agents, scale) as tf.Tensor4D;
    const aggregationScores = tf.matMul(scaledAgents, k, false, true) as tf.Tensor4D; // [batch, heads, n_a, seq]
    const aggregation = mask
      ? restrictedSoftmax(aggregationScores, keyAllowed(mask))
      : tf.softmax(aggregationScores);
    const agentValues = tf.matMul(aggregation, v); // [batch, heads, n_a, p]
    const broadcastScores = tf.matMul(q, scaledAgents, false, true) as tf.Tensor4D; // [batch, heads, seq, n_a]
    const broadcast = restrictedSoftmax(broadcastScores, live);
    return { y: tf.matMul(broadcast, agentValues) as tf.Tensor4D, agents, live };
  });
}
