import * as tf from '@tensorflow/tfjs-core';
import { isPositiveInteger } from '@tost/attention';
import { finiteOrZero } from '@tost/ops';
import { chunkCoreBackward, chunkCoreForward, unpackChunkCore } from './chunk-core.js';
import { GLA_CHUNK_SIZE, MAX_CHUNK_LOG_DECAY, MIN_LOG_GATE } from './constants.js';

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
    const initial = (initialState ? tf.reshape(initialState, [m, p, p]) : tf.zeros([m, p, p])) as tf.Tensor3D;
    if (seq === 0) {
      return { output: tf.zeros([batch, heads, 0, p]), state: tf.reshape(initial, [batch, heads, p, p]) };
    }
    // One custom-gradient op over the gate factors and the chunk sweeps: only q, k, v, g and the initial state are
    // kept for the backward pass, which recomputes the factors (elementwise) and applies their chain rule itself.
    let c = 0;
    const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const inputs = args as tf.Tensor[];
      save(inputs);
      const value = tf.tidy(() => {
        const floored = floorLogGate(inputs[3] as tf.Tensor4D);
        c = safeChunkSize(floored, Math.min(chunkSize, seq));
        return chunkCoreForward(gateFactors(inputs, c).coreInputs);
      });
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gateFactorGradients(saved, c, dy as tf.Tensor1D)),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor1D;
    const packed = op(q, k, v, logGate, initial);
    const n = Math.ceil(seq / c);
    const { output, state } = unpackChunkCore(packed, m * n * c, m, p);
    const full = tf.reshape(output, [batch, heads, n * c, p]);
    return {
      output: (n * c > seq ? tf.slice(full, [0, 0, 0, 0], [batch, heads, seq, p]) : full) as tf.Tensor4D,
      state: tf.reshape(state, [batch, heads, p, p]) as tf.Tensor4D,
    };
  });
}

/** max(g, −40) with non-finite entries (e.g. in future tokens) set to 0. */
function floorLogGate<T extends tf.Tensor>(g: T): T {
  return tf.tidy(() => tf.maximum(finiteOrZero(g), MIN_LOG_GATE) as T);
}

/** [batch, heads, N, p] → [batch·heads·n, c, p], zero-padded to n·c tokens (k = 0, g = 0: the state is unchanged). */
function toChunks(t: tf.Tensor, c: number): tf.Tensor3D {
  const [batch, heads, seq, p] = t.shape as [number, number, number, number];
  const n = Math.ceil(seq / c);
  const padded = n * c > seq ? tf.pad(t, [[0, 0], [0, 0], [0, n * c - seq], [0, 0]]) : t;
  return tf.reshape(padded, [batch * heads * n, c, p]) as tf.Tensor3D;
}

/** The inverse of `toChunks` for a gradient: [batch·heads·n, c, p] → [batch, heads, N, p]. */
function fromChunks(t: tf.Tensor, like: tf.Tensor): tf.Tensor4D {
  const [batch, heads, seq, p] = like.shape as [number, number, number, number];
  const full = tf.reshape(t, [batch, heads, -1, p]) as tf.Tensor4D;
  return full.shape[2] > seq ? (tf.slice(full, [0, 0, 0, 0], [batch, heads, seq, p]) as tf.Tensor4D) : full;
}

interface GateFactors {
  q: tf.Tensor3D;
  k: tf.Tensor3D;
  v: tf.Tensor3D;
  /** The raw log gate, chunked (for the gradient's mask). */
  g: tf.Tensor3D;
  /** e^{G}, G the cumulative (floored) log gate inside each chunk. */
  decay: tf.Tensor3D;
  /** e^{Λ}, Λ = G at the chunk's last token, [chunks, 1, p]. */
  lambda: tf.Tensor3D;
  qTilde: tf.Tensor3D;
  kTilde: tf.Tensor3D;
  /** qTilde, kTilde, kHat, lambda, v (finite), initial: `chunkCore`'s inputs. */
  coreInputs: tf.Tensor[];
}

/** q̃ = q ⊙ e^{G}, k̃ = k ⊙ e^{−G}, k̂ = k̃ ⊙ e^{Λ}, λ = e^{Λ} per chunk of c tokens (non-finite entries zeroed). */
function gateFactors(inputs: readonly tf.Tensor[], c: number): GateFactors {
  // One tidy: the temporaries (the cumulative gate, finiteness masks) are freed before the sweeps run.
  return tf.tidy(() => {
    const [q0, k0, v0, g0, initial] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor3D];
    const [q, k, v, g] = [q0, k0, v0, g0].map((t) => toChunks(t, c)) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    const G = tf.cumsum(floorLogGate(g), 1);
    const [chunks, , p] = G.shape;
    const decay = tf.exp(G) as tf.Tensor3D;
    const lambda = tf.exp(tf.slice(G, [0, c - 1, 0], [chunks, 1, p])) as tf.Tensor3D;
    const qTilde = finiteOrZero(tf.mul(q, decay)) as tf.Tensor3D;
    const kTilde = finiteOrZero(tf.div(k, decay)) as tf.Tensor3D;
    const kHat = tf.mul(kTilde, lambda);
    return {
      q,
      k,
      v,
      g,
      decay,
      lambda,
      qTilde,
      kTilde,
      coreInputs: [qTilde, kTilde, kHat, lambda, finiteOrZero(v), initial],
    };
  });
}

/**
 * Gradients w.r.t. q, k, v, g and the initial state: `chunkCore`'s backward for the factors, then their chain rule
 * (k̂ = k̃ ⊙ λ; q̃ = q ⊙ e^{G} → dq = dq̃ ⊙ e^{G}, dG += dq̃ ⊙ q̃; k̃ = k ⊙ e^{−G} → dk = dk̃ ⊙ e^{−G}, dG −= dk̃ ⊙ k̃;
 * λ = e^{Λ} → dTotal = dλ ⊙ λ onto the chunk's last G; G = cumsum(g) → dg = reverse cumsum(dG)). Entries zeroed for
 * being non-finite, and log gates below the floor, get gradient 0.
 */
function gateFactorGradients(saved: readonly tf.Tensor[], c: number, dy: tf.Tensor1D): tf.Tensor[] {
  const f = gateFactors(saved, c);
  const [dqTilde, dkTilde, dkHat, dLambda, dv, dInitial] = chunkCoreBackward(f.coreInputs, dy);
  tf.dispose([f.coreInputs[2]!, f.coreInputs[4]!]); // k̂ and the finite v: not needed any more
  const keep = (mask: tf.Tensor, t: tf.Tensor) => tf.where(mask, t, tf.zerosLike(t));
  const dqT = keep(tf.isFinite(tf.mul(f.q, f.decay)), dqTilde!);
  const dkT = keep(tf.isFinite(tf.div(f.k, f.decay)), tf.add(dkTilde!, tf.mul(dkHat!, f.lambda)));
  const dTotal = tf.mul(tf.add(dLambda!, tf.sum(tf.mul(dkHat!, f.kTilde), 1, true)), f.lambda);
  const dG = tf.add(
    tf.sub(tf.mul(dqT, f.qTilde), tf.mul(dkT, f.kTilde)),
    tf.pad(dTotal, [[0, 0], [c - 1, 0], [0, 0]]),
  );
  const dg = keep(tf.logicalAnd(tf.isFinite(f.g), tf.greater(f.g, MIN_LOG_GATE)), tf.cumsum(dG, 1, false, true));
  const [q, k, v, g] = saved;
  return [
    fromChunks(tf.mul(dqT, f.decay), q!),
    fromChunks(tf.div(dkT, f.decay), k!),
    fromChunks(keep(tf.isFinite(f.v), dv!), v!),
    fromChunks(dg, g!),
    dInitial!,
  ];
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
