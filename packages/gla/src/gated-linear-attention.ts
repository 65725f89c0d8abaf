import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero, isPositiveInteger } from '@tost/attention';
import { chunkCore, unpackChunkCore } from './chunk-core.js';
import { GLA_CHUNK_SIZE, MAX_CHUNK_LOG_DECAY, MIN_LOG_GATE } from './constants.js';
import { cumsumAlong } from './cumsum.js';

export interface GatedLinearAttentionOptions {
  /** Tokens per chunk c (default 64); smaller chunks are used when the gates close fast (see below). */
  chunkSize?: number;
  /** State before the first token, [batch, heads, p, p] (default zeros). */
  initialState?: tf.Tensor4D;
}

/**
 * Gated linear attention (Yang et al., "Gated Linear Attention Transformers with Hardware-Efficient Training",
 * arXiv 2312.06635), chunk-wise. Per sample and head, with row vectors q_t, k_t, v_t [p] and a per-key-channel gate
 * α_t = e^{g_t} ∈ (0, 1]^p:
 *
 *   S_t = diag(α_t)·S_{t−1} + k_tᵀ·v_t,   o_t = q_t·S_t
 *
 * i.e. o_t = q_t·S_0 scaled by the gates so far plus Σ_{s≤t} ((q_t ⊙ b_t / b_s)·k_s) v_s with b_t = Π_{i≤t} α_i.
 * Evaluated in chunks of c tokens (§4.2–4.3): the cumulative log gate G inside each chunk gives, in log space,
 * q̃ = q ⊙ e^{G}, k̃ = k ⊙ e^{−G}, k̂ = k ⊙ e^{Λ−G} (Λ = the chunk's total), and the chunk's output is
 * tril(q̃·k̃ᵀ)·v + q̃·S with the carried state S ← diag(e^{Λ})·S + k̂ᵀ·v (`chunkCore`, hand-written gradient). The
 * factors e^{±G} stay in [e^{−30}, e^{30}] because a chunk whose gates close by more than e^{−30} in some channel is
 * not used: the chunk size then shrinks to ⌊30 / max|g|⌋ tokens (one read of two numbers per call). Log gates are
 * floored at −40 (α ≥ 4·10⁻¹⁸, below what float32 can resolve next to the token's own term).
 *
 * Time O(N·c·p + N·p²), memory O(N·p + c² + p²): no [N, p, p] tensor and no per-token state. A padded token must
 * arrive with k = 0 and g = 0, which leaves the state unchanged. Non-finite q, k, v or g (e.g. in future tokens)
 * never reach earlier outputs.
 *
 * @param q queries [batch, heads, N, p] (already scaled); @param k keys [batch, heads, N, p];
 * @param v values [batch, heads, N, p]; @param logGate g = log α [batch, heads, N, p], ≤ 0.
 * @returns the outputs [batch, heads, N, p] and the state after the last token [batch, heads, p, p].
 * @throws RangeError for mismatched shapes, a bad `chunkSize` or an `initialState` of the wrong shape.
 */
export function gatedLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  logGate: tf.Tensor4D,
  options: GatedLinearAttentionOptions = {},
): { output: tf.Tensor4D; state: tf.Tensor4D } {
  const label = 'gatedLinearAttention';
  const describe = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
    ['logGate', logGate],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape.some((d, i) => d !== q.shape[i])) {
      throw new RangeError(
        `${label}: argument '${name}' must have the shape of 'q' [batch, heads, N, p] = ${describe(q)}, got ` +
          (t instanceof tf.Tensor ? describe(t) : String(t)),
      );
    }
  }
  const chunkSize = options.chunkSize ?? GLA_CHUNK_SIZE;
  if (!isPositiveInteger(chunkSize)) {
    throw new RangeError(`${label}: option 'chunkSize' must be a positive integer, got ${String(chunkSize)}`);
  }
  const [batch, heads, seq, p] = q.shape;
  const { initialState } = options;
  if (
    initialState !== undefined &&
    (!(initialState instanceof tf.Tensor) ||
      initialState.rank !== 4 ||
      initialState.shape.some((d, i) => d !== [batch, heads, p, p][i]))
  ) {
    throw new RangeError(
      `${label}: option 'initialState' must have shape [batch, heads, p, p] = [${batch}, ${heads}, ${p}, ${p}], got ` +
        (initialState instanceof tf.Tensor ? describe(initialState) : String(initialState)),
    );
  }
  return tf.tidy(() => {
    const m = batch * heads;
    const initial = initialState ? tf.reshape(initialState, [m, p, p]) : tf.zeros([m, p, p]);
    if (seq === 0) {
      return { output: tf.zeros([batch, heads, 0, p]), state: tf.reshape(initial, [batch, heads, p, p]) };
    }
    const g = tf.maximum(finiteOrZero(logGate), MIN_LOG_GATE) as tf.Tensor4D;
    const c = safeChunkSize(g, Math.min(chunkSize, seq));
    const n = Math.ceil(seq / c);
    // Zero padding to n·c tokens: k = 0 and g = 0 leave the state unchanged; those outputs are cut off again.
    const chunked = (t: tf.Tensor4D) => {
      const padded = n * c > seq ? tf.pad(t, [[0, 0], [0, 0], [0, n * c - seq], [0, 0]]) : t;
      return tf.reshape(padded, [m * n, c, p]) as tf.Tensor3D;
    };
    const G = cumsumAlong(chunked(g), 1);
    const total = tf.slice(G, [0, c - 1, 0], [m * n, 1, p]);
    const decay = tf.exp(G);
    const lambda = tf.exp(total) as tf.Tensor3D;
    const qTilde = finiteOrZero(tf.mul(chunked(q), decay)) as tf.Tensor3D;
    const kTilde = finiteOrZero(tf.div(chunked(k), decay)) as tf.Tensor3D;
    const kHat = tf.mul(kTilde, lambda) as tf.Tensor3D;
    const packed = chunkCore(qTilde, kTilde, kHat, lambda, finiteOrZero(chunked(v)), initial as tf.Tensor3D);
    const { output, state } = unpackChunkCore(packed, m * n * c, m, p);
    const full = tf.reshape(output, [batch, heads, n * c, p]);
    return {
      output: (n * c > seq ? tf.slice(full, [0, 0, 0, 0], [batch, heads, seq, p]) : full) as tf.Tensor4D,
      state: tf.reshape(state, [batch, heads, p, p]) as tf.Tensor4D,
    };
  });
}

/**
 * The largest chunk size ≤ `c` whose chunks all decay by at most e^{−30} in every channel: `c` itself when the chunk
 * totals allow it, else ⌊30 / max|g|⌋ (≥ 1), which bounds every chunk's total whatever its position.
 */
function safeChunkSize(g: tf.Tensor4D, c: number): number {
  if (c === 1) return 1;
  const [batch, heads, seq, p] = g.shape;
  const n = Math.ceil(seq / c);
  const [worstChunk, worstToken] = tf.tidy(() => {
    const padded = n * c > seq ? tf.pad(g, [[0, 0], [0, 0], [0, n * c - seq], [0, 0]]) : g;
    const totals = tf.sum(tf.reshape(padded, [batch * heads * n, c, p]), 1);
    return tf.stack([tf.min(totals), tf.min(g)]).dataSync();
  }) as unknown as [number, number];
  if (-worstChunk <= MAX_CHUNK_LOG_DECAY) return c;
  return Math.max(1, Math.min(c, Math.floor(MAX_CHUNK_LOG_DECAY / -worstToken)));
}
