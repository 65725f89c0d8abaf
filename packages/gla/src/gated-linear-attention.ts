import * as tf from '@tensorflow/tfjs-core';
import { isPositiveInteger } from '@tost/attention';
import { finiteOrZero } from '@tost/ops';
import { chunkCoreForward, chunkCoreSweepGradients, scoreGradient, unpackChunkCore } from './chunk-core.js';
import { glaChunkSize, MIN_LOG_GATE } from './constants.js';

export interface GatedLinearAttentionOptions {
  /** Tokens per chunk c (default `glaChunkSize(p)`: 8 for p ≤ 32, else 16). */
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
 * Evaluated in chunks of c tokens (§4.2–4.3), with G the cumulative log gate inside a chunk and Λ its total: the
 * state carried across chunks uses q̃ = q ⊙ e^{G}, k̂ = k ⊙ e^{Λ−G} and λ = e^{Λ}, and the intra-chunk scores are
 * A_ts = Σ_d q_td·k_sd·e^{G_td − G_sd} (s ≤ t) from the pairwise decays, like the secondary chunks of §4.2 at the
 * token level; the chunk's output is A·v + q̃·S, then S ← diag(λ)·S + k̂ᵀ·v (`chunkCore`, hand-written gradient).
 * Every factor is e^{x} with x ≤ 0, so nothing overflows however fast the gates close, and a factor that underflows
 * stands for a true value that small: exact in float32 with no data-dependent chunk size (no GPU readback). Log gates
 * are floored at −40 (α ≥ 4·10⁻¹⁸, below what float32 can resolve next to the token's own term).
 *
 * Time O(N·c·p + N·p²), memory O(N·(c + p) + p²) plus the pairwise decays of a group of chunks (at most 2²²
 * values at a time): no [N, p, p] tensor and no per-token state. A padded token must
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
  const [batch, heads, seq, p] = q.shape;
  const chunkSize = options.chunkSize ?? glaChunkSize(p);
  if (!isPositiveInteger(chunkSize)) {
    throw new RangeError(`${label}: option 'chunkSize' must be a positive integer, got ${String(chunkSize)}`);
  }
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
    const c = Math.min(chunkSize, seq);
    const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const inputs = args as tf.Tensor[];
      save(inputs);
      const value = tf.tidy(() => chunkCoreForward(gateFactors(inputs, c).coreInputs as tf.Tensor[]));
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
  // A clip, not tf.maximum with a scalar (4× slower on wasm); the same values once g is finite.
  return tf.tidy(() => tf.clipByValue(finiteOrZero(g), MIN_LOG_GATE, Infinity) as T);
}

/**
 * min(x, 0) for a finite x (every G here is: log gates are cleaned and floored before their cumulative sum). A clip,
 * not tf.minimum with a scalar, which runs 4–5× slower on wasm (its broadcasting path; measured on [256, 16, 16, 64]:
 * 49 ms against 9 ms), and the pairwise decays are the largest tensors of a GLA step. A clip would turn NaN into −∞,
 * hence finite inputs only.
 */
function nonPositivePart<T extends tf.Tensor>(x: T): T {
  return tf.clipByValue(x, -Infinity, 0) as T;
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
  /** q, k, v chunked with non-finite entries zeroed; the raw log gate chunked (for the gradient's masks). */
  q: tf.Tensor3D;
  k: tf.Tensor3D;
  g: tf.Tensor3D;
  /** e^{G}, G the cumulative (floored) log gate inside each chunk, [chunks, c, p]. */
  decay: tf.Tensor3D;
  /** e^{Λ−G}, Λ = G at the chunk's last token. */
  tail: tf.Tensor3D;
  /** e^{Λ}, [chunks, 1, p]. */
  lambda: tf.Tensor3D;
  /** G itself (the pairwise decays are rebuilt from it a group of chunks at a time). */
  G: tf.Tensor3D;
  qTilde: tf.Tensor3D;
  kHat: tf.Tensor3D;
  /** v with non-finite entries zeroed. */
  v: tf.Tensor3D;
  /** qTilde, scores (undefined when not asked for), kHat, lambda, v, initial: `chunkCore`'s inputs. */
  coreInputs: (tf.Tensor | undefined)[];
}

/**
 * The gate factors of c-token chunks, every one an exponential of a non-positive number (so none can overflow, and
 * one that underflows multiplies a true value that small): q̃ = q ⊙ e^{G}, k̂ = k ⊙ e^{Λ−G}, λ = e^{Λ}, and the
 * intra-chunk scores A_ts = Σ_d q_td·k_sd·e^{G_td − G_sd} (s ≤ t) from the pairwise decays, as the secondary level of
 * arXiv 2312.06635 §4.2 computes its diagonal blocks in full precision.
 */
function gateFactors(inputs: readonly tf.Tensor[], c: number, withScores = true): GateFactors {
  // One tidy: the temporaries (the cumulative gate, finiteness masks) are freed before the sweeps run.
  return tf.tidy(() => {
    const [q0, k0, v0, g0, initial] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor3D];
    const [q, k, v, g] = [q0, k0, v0, g0].map((t) => toChunks(t, c)) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    const qf = finiteOrZero(q);
    const kf = finiteOrZero(k);
    const vf = finiteOrZero(v);
    const G = tf.cumsum(floorLogGate(g), 1) as tf.Tensor3D;
    const [chunks, , p] = G.shape;
    const last = tf.slice(G, [0, c - 1, 0], [chunks, 1, p]);
    const decay = tf.exp(G) as tf.Tensor3D;
    const tail = tf.exp(nonPositivePart(tf.sub(last, G))) as tf.Tensor3D;
    const lambda = tf.exp(last) as tf.Tensor3D;
    const scores = withScores
      ? byChunkGroups([qf, kf, G], (qs, ks, Gs) => [intraScores(qs, ks, pairwiseDecays(Gs))])[0]!
      : undefined;
    const qTilde = tf.mul(qf, decay) as tf.Tensor3D;
    const kHat = tf.mul(kf, tail) as tf.Tensor3D;
    return {
      q: qf,
      k: kf,
      g,
      decay,
      tail,
      lambda,
      G,
      qTilde,
      kHat,
      v: vf,
      coreInputs: [qTilde, scores, kHat, lambda, vf, initial],
    };
  });
}

/** Values of the pairwise decays [chunks, c, c, p] alive at a time (chunks are processed in groups below this). */
const PAIRWISE_BUDGET = 1 << 22;

/**
 * `f` over groups of chunks (axis 0 of every input), each in its own tidy, results concatenated along axis 0: the
 * [group, c, c, p] temporaries of the pairwise decays stay below `PAIRWISE_BUDGET` values whatever N.
 */
function byChunkGroups(inputs: tf.Tensor[], f: (...group: tf.Tensor3D[]) => tf.Tensor[]): tf.Tensor[] {
  const [chunks, c] = inputs[0]!.shape as [number, number];
  const p = inputs[inputs.length - 1]!.shape[2]!;
  const size = Math.max(1, Math.floor(PAIRWISE_BUDGET / (c * c * p)));
  if (size >= chunks) return tf.tidy(() => f(...(inputs as tf.Tensor3D[])));
  const parts: tf.Tensor[][] = [];
  for (let start = 0; start < chunks; start += size) {
    const count = Math.min(size, chunks - start);
    parts.push(
      tf.tidy(() =>
        f(...inputs.map((t) => tf.slice(t, [start, 0, 0], [count, t.shape[1]!, t.shape[2]!]) as tf.Tensor3D)),
      ),
    );
  }
  const joined = parts[0]!.map((_, i) => tf.concat(parts.map((r) => r[i]!)));
  tf.dispose(parts);
  return joined;
}

/**
 * e^{min(G_t − G_s, 0)}, [chunks, c (t), c (s), p], for every pair (every exponent ≤ 0, so every value is finite and
 * ≤ 1): the pairs above the diagonal (s > t) are dropped by the caller, by a select on the scores or by dA = 0 there.
 */
function pairwiseDecays(G: tf.Tensor3D): tf.Tensor4D {
  return tf.exp(nonPositivePart(tf.sub(tf.expandDims(G, 2), tf.expandDims(G, 1)))) as tf.Tensor4D;
}

/**
 * The intra-chunk scores A_ts = Σ_d q_td·k_sd·E_tsd (s ≤ t, else 0) of a group of chunks [group, c, c], from q, k
 * [group, c, p] and the pairwise decays E. The causal select comes after the sum over d (the same values as selecting
 * every term): an overflowing q_t·k_s above the diagonal (∞, or ∞·0 = NaN) is dropped, never leaked.
 */
function intraScores(q: tf.Tensor3D, k: tf.Tensor3D, decays: tf.Tensor4D): tf.Tensor3D {
  const c = q.shape[1];
  const sums = tf.sum(tf.mul(tf.mul(tf.expandDims(q, 2), tf.expandDims(k, 1)), decays), 3);
  const lower = tf.cast(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), 'bool');
  return tf.where(lower, sums, tf.zerosLike(sums)) as tf.Tensor3D;
}

/**
 * Gradients w.r.t. q, k, v, g and the initial state: `chunkCore`'s backward for the factors, then their chain rule
 * (q̃ = q ⊙ e^{G} → dq = dq̃ ⊙ e^{G}, dG += dq̃ ⊙ q̃; k̂ = k ⊙ e^{Λ−G} → dk = dk̂ ⊙ e^{Λ−G}, dG −= dk̂ ⊙ k̂,
 * dΛ += Σ_t dk̂ ⊙ k̂; λ = e^{Λ} → dΛ += dλ ⊙ λ; A_ts = Σ_d q_td·k_sd·E_tsd with W = dA_ts·q_td·k_sd·E_tsd →
 * dq_t += Σ_s dA_ts·k_s ⊙ E_ts, dk_s += Σ_t dA_ts·q_t ⊙ E_ts, dG_t += Σ_s W_ts, dG_s −= Σ_t W_ts; dΛ onto the
 * chunk's last G; G = cumsum(g) → dg = reverse cumsum(dG)). Non-finite entries of q, k, v, g, and log gates below the
 * floor, get gradient 0.
 */
function gateFactorGradients(saved: readonly tf.Tensor[], c: number, dy: tf.Tensor1D): tf.Tensor[] {
  // In stages, each freeing what the next ones no longer read: the [chunks, c, p] factors and gradients are the
  // step's largest tensors (one each per token and channel), and keeping every one until the end made this the
  // peak of a long GLA step.
  const f = gateFactors(saved, c, false);
  const sweep = chunkCoreSweepGradients(f.coreInputs, dy);
  const keep = (mask: tf.Tensor, t: tf.Tensor) => tf.where(mask, t, tf.zerosLike(t));
  const finiteMask = (t: tf.Tensor) => tf.isFinite(toChunks(t, c));
  const [q, k, v, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  // The state-independent terms, a group of chunks at a time with one set of pairwise decays E for both the scores A
  // (for dv += Aᵀ·dO) and the gradient through them (dA = tril(dO·vᵀ)).
  const [dqIntra, dkIntra, dvTScores] = byChunkGroups([sweep.dO, f.v, f.q, f.k, f.G], (dOs, vs, qs, ks, Gs) => {
    const decays = pairwiseDecays(Gs);
    // dA_ts·E_tsd (dA = 0 above the diagonal, where E is finite).
    const dAE = tf.mul(tf.expandDims(scoreGradient(dOs, vs), 3), decays);
    return [
      tf.sum(tf.mul(dAE, tf.expandDims(ks, 1)), 2), // Σ_s dA_ts·E_tsd·k_sd
      tf.sum(tf.mul(dAE, tf.expandDims(qs, 2)), 1), // Σ_t dA_ts·E_tsd·q_td
      tf.matMul(tf.transpose(dOs, [0, 2, 1]), intraScores(qs, ks, decays)), // dOᵀ·A
    ];
  }) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  tf.dispose([sweep.dO, f.v, f.G]);
  const dv = tf.tidy(() =>
    fromChunks(keep(finiteMask(v), tf.transpose(tf.add(dvTScores, sweep.dvTState), [0, 2, 1])), v),
  );
  tf.dispose([dvTScores, sweep.dvTState]);
  // q̃ = q ⊙ e^{G}: dq = dq̃ ⊙ e^{G} + dq_intra; its share of dG, dq̃ ⊙ q̃ + Σ_s W_ts (= q_t ⊙ dq_intra,t).
  const dq = tf.tidy(() => fromChunks(keep(finiteMask(q), tf.add(tf.mul(sweep.dqTilde, f.decay), dqIntra)), q));
  const dGq = tf.tidy(() => tf.add(tf.mul(sweep.dqTilde, f.qTilde), tf.mul(f.q, dqIntra)));
  tf.dispose([sweep.dqTilde, f.decay, f.qTilde, f.q, dqIntra]);
  // k̂ = k ⊙ e^{Λ−G}: dk = dk̂ ⊙ e^{Λ−G} + dk_intra; its share of dG, −dk̂ ⊙ k̂ − Σ_t W_ts (= k_s ⊙ dk_intra,s); dΛ
  // from k̂ and λ = e^{Λ}.
  const dk = tf.tidy(() => fromChunks(keep(finiteMask(k), tf.add(tf.mul(sweep.dkHat, f.tail), dkIntra)), k));
  const { dGk, dTotal } = tf.tidy(() => {
    const kHatTerm = tf.mul(sweep.dkHat, f.kHat);
    return {
      dGk: tf.add(kHatTerm, tf.mul(f.k, dkIntra)),
      dTotal: tf.add(tf.mul(sweep.dLambda, f.lambda), tf.sum(kHatTerm, 1, true)),
    };
  });
  tf.dispose([sweep.dkHat, sweep.dLambda, f.tail, f.kHat, f.lambda, f.k, dkIntra]);
  // dΛ lands on the chunk's last G; G = cumsum(g) → dg = reverse cumsum(dG).
  const dg = tf.tidy(() => {
    const dG = tf.add(tf.sub(dGq, dGk), tf.pad(dTotal, [[0, 0], [c - 1, 0], [0, 0]]));
    const kept = tf.logicalAnd(tf.isFinite(f.g), tf.greater(f.g, MIN_LOG_GATE));
    return fromChunks(keep(kept, tf.cumsum(dG, 1, false, true)), g);
  });
  return [dq, dk, dv, dg, sweep.dInitial];
}
