import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from '../finite.js';
import { decayedScan } from './decayed-scan.js';
import { padSequence, sliceSequence } from './sequence-axis.js';

/** What the forward and backward passes of the chunked core need to know besides the tensors. */
export interface ChunkConfig {
  c: number;
  decay?: readonly number[];
  hasLogDecay: boolean;
  hasInitial: boolean;
  returnState: boolean;
}

/**
 * The inputs cut into chunks, all chunks at once: [B, H, n, c, x] tensors (reshaped, no transpose: the sequence axis
 * splits into n × c) and the decay factors. Every product below is one batched matMul over the B·H·n chunks, and the
 * state recurrence across chunks is a scan of O(log n) kernels, so the number of kernels does not grow with the
 * sequence length.
 */
interface Chunked {
  batch: number;
  heads: number;
  seq: number;
  c: number;
  n: number;
  f: number;
  d: number;
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
  initial?: tf.Tensor;
  /** The causal selections inside a chunk as [1, 1, 1, c·c] booleans: j ≤ i (`lower`) and its transpose. */
  lower: tf.Tensor;
  upper: tf.Tensor;
  /** Constant decay: the weights D[i, j] = γ^(i−j) (0 above the diagonal) and Dᵀ, [1, H, 1, c·c]. */
  weights?: tf.Tensor;
  weightsT?: tf.Tensor;
  /** Log-decay: r [B, H, n, c], the log-decay relative to the previous chunk's end; D[i, j] = e^(r_i − r_j), j ≤ i. */
  r?: tf.Tensor;
  /** Row scales of q̂ (decay since the previous chunk's end) and k̂ (decay until the chunk's end), [.., n|1, c, 1]. */
  qScale?: tf.Tensor;
  kScale?: tf.Tensor;
  /** Decay of the state over each chunk, [B|1, H, n, 1] (undefined: 1). */
  lambda?: tf.Tensor;
}

/** [B·H·n, c, x] views for batched matMuls. */
const flat = (t: tf.Tensor, p: Chunked): tf.Tensor3D =>
  tf.reshape(t, [p.batch * p.heads * p.n, t.shape[t.rank - 2]!, t.shape[t.rank - 1]!]);
const chunks = (t: tf.Tensor, p: Chunked): tf.Tensor =>
  tf.reshape(t, [p.batch, p.heads, p.n, t.shape[t.rank - 2]!, t.shape[t.rank - 1]!]);
/** [..., c, c] → [..., c·c]: a c×c block as one axis, keeping the leading (possibly broadcast) axes. */
const blockView = (t: tf.Tensor): tf.Tensor =>
  tf.reshape(t, [...t.shape.slice(0, -2), t.shape[t.rank - 2]! * t.shape[t.rank - 1]!]);
const scaled = (t: tf.Tensor, scale: tf.Tensor | undefined) => (scale ? tf.mul(t, scale) : t);
/** Swaps the last two axes of a [B·H·n, x, y] tensor. */
const swap = (t: tf.Tensor): tf.Tensor3D => tf.transpose(t, [0, 2, 1]) as tf.Tensor3D;
/** A row scale [.., c, 1] as a column scale [.., 1, c] (a reshape: one axis has size 1). */
const columnScale = (s: tf.Tensor): tf.Tensor =>
  tf.reshape(s, [...s.shape.slice(0, -2), 1, s.shape[s.rank - 2]!]);

/**
 * q, k, v [B, H, seq, x] with non-finite entries zeroed (unless `finite`: the caller guarantees there are none), padded
 * to whole chunks and cut into [B, H, n, c, x] (the forward pass saves these for the backward pass, which then needs
 * no second cleaned copy of its inputs).
 */
export function cutInputs(
  inputs: readonly tf.Tensor[],
  c: number,
  finite = false,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const [batch, heads, seq] = inputs[0]!.shape as [number, number, number, number];
    const n = Math.ceil(seq / c);
    const cut = (t: tf.Tensor) =>
      tf.reshape(padSequence(finite ? t : finiteOrZero(t), n * c - seq), [batch, heads, n, c, t.shape[3]!]);
    return [cut(inputs[0]!), cut(inputs[1]!), cut(inputs[2]!)];
  });
}

/**
 * The `Chunked` view of the core's inputs: `cut` holds q, k, v from `cutInputs`, `rest` the optional log-decay and
 * initial state (raw, as given), `seq` the true sequence length.
 */
export function chunkInputs(
  cut: readonly tf.Tensor[],
  rest: readonly tf.Tensor[],
  seq: number,
  config: ChunkConfig,
): Chunked {
  const [q, k, v] = cut as [tf.Tensor, tf.Tensor, tf.Tensor];
  const logDecay = config.hasLogDecay ? (rest[0] as tf.Tensor3D) : undefined;
  const initial = config.hasInitial ? rest[config.hasLogDecay ? 1 : 0] : undefined;
  const [batch, heads, n, , f] = q.shape as [number, number, number, number, number];
  const d = v.shape[4]!;
  const { c, decay } = config;
  const pad = n * c - seq;
  const tril = tf.linalg.bandPart(tf.ones([c, c]), -1, 0);
  const base = {
    batch,
    heads,
    seq,
    c,
    n,
    f,
    d,
    q,
    k,
    v,
    initial: initial ? finiteOrZero(initial) : undefined,
    lower: tf.cast(tf.reshape(tril, [1, 1, 1, c * c]), 'bool'),
    upper: tf.cast(tf.reshape(tf.transpose(tril), [1, 1, 1, c * c]), 'bool'),
  };
  if (decay) {
    // Constant γ per head: D[i, j] = γ^(i−j), q̂ = γ^(i+1)·q, k̂ = γ^(end−j)·k, λ = γ^(tokens in the chunk), where the
    // last chunk ends at its last real token (its padding has zero keys).
    const real = c - pad;
    const mask = new Float32Array(heads * c * c);
    const maskT = new Float32Array(heads * c * c);
    const qs = new Float32Array(heads * c);
    const ks = new Float32Array(heads * n * c);
    const lambdas = new Float32Array(heads * n);
    decay.forEach((g, h) => {
      for (let i = 0; i < c; i++) {
        qs[h * c + i] = g ** (i + 1);
        for (let j = 0; j <= i; j++) {
          mask[(h * c + i) * c + j] = g ** (i - j);
          maskT[(h * c + j) * c + i] = g ** (i - j);
        }
      }
      for (let j = 0; j < n; j++) {
        const end = j === n - 1 ? real : c;
        lambdas[h * n + j] = g ** end;
        for (let i = 0; i < c; i++) ks[(h * n + j) * c + i] = i < end ? g ** (end - 1 - i) : 0;
      }
    });
    return {
      ...base,
      weights: tf.tensor(mask, [1, heads, 1, c * c]),
      weightsT: tf.tensor(maskT, [1, heads, 1, c * c]),
      qScale: tf.tensor(qs, [1, heads, 1, c, 1]),
      kScale: tf.tensor(ks, [1, heads, n, c, 1]),
      lambda: tf.tensor(lambdas, [1, heads, n, 1]),
    };
  }
  if (logDecay) {
    // r = c_t − c(end of the previous chunk) ≤ 0 inside each chunk; the first chunk is relative to its first token,
    // or to log-decay 0 when an initial state precedes it. Padding repeats the last value (no decay across it).
    const clean = finiteOrZero(logDecay);
    const filled = pad
      ? tf.concat([clean, tf.tile(tf.slice(clean, [0, 0, seq - 1], [batch, heads, 1]), [1, 1, pad])], 2)
      : clean;
    const cum = tf.reshape(filled, [batch, heads, n, c]);
    const ends = tf.slice(cum, [0, 0, 0, c - 1], [batch, heads, n, 1]);
    const first = initial
      ? tf.zeros([batch, heads, 1, 1])
      : tf.slice(cum, [0, 0, 0, 0], [batch, heads, 1, 1]);
    const refs = n > 1 ? tf.concat([first, sliceSequence(ends, 0, n - 1)], 2) : first;
    const r = tf.sub(cum, refs); // [B, H, n, c]
    const rEnd = tf.sub(ends, refs); // [B, H, n, 1]
    return {
      ...base,
      r,
      qScale: tf.expandDims(tf.exp(r), 4),
      kScale: tf.expandDims(tf.exp(tf.sub(rEnd, r)), 4),
      lambda: tf.exp(rEnd),
    };
  }
  return base;
}

/**
 * The log-decay weights e^(min(r_i − r_j, 0)) as [B, H, n, c·c] (transposed: e^(min(r_j − r_i, 0))), built where they
 * are used, so no c×c tensor outlives the product it weights. Only the causal triangle is kept (by `masked`'s select).
 */
function logDecayWeights(p: Chunked, transposed: boolean): tf.Tensor {
  const rows = tf.expandDims(p.r!, 4);
  const columns = tf.expandDims(p.r!, 3);
  return blockView(tf.exp(tf.minimum(transposed ? tf.sub(columns, rows) : tf.sub(rows, columns), 0)));
}

/**
 * scores ⊙ D inside each chunk (scores ⊙ Dᵀ when `transposed`), where D holds the (decayed) causal weights and 0 above
 * the diagonal. A select, not a bare product: a finite but huge future token can make q·k overflow to ±Infinity, and
 * Infinity·0 = NaN would reach earlier tokens (likewise exp of a later token's garbage in the log-decay weights).
 */
function masked(scores: tf.Tensor, p: Chunked, transposed = false): tf.Tensor3D {
  return tf.tidy(() => {
    // On [.., c·c] views (no Select above rank 4 on webgl and webgpu), back to [B·H·n, c, c].
    const s = blockView(chunks(scores, p));
    const causal = transposed ? p.upper : p.lower;
    const weights = transposed ? p.weightsT : p.weights;
    const kept = p.r
      ? tf.where(causal, tf.mul(s, logDecayWeights(p, transposed)), tf.zerosLike(s))
      : weights
        ? tf.where(tf.greater(weights, 0), tf.mul(s, weights), tf.zerosLike(s))
        : tf.where(causal, s, tf.zerosLike(s));
    return tf.reshape(kept, [p.batch * p.heads * p.n, p.c, p.c]) as tf.Tensor3D;
  });
}

/** The state before each chunk, [B, H, n, f, d], and after the last one, [B, H, f, d], from kᵀ [B·H·n, f, c]. */
function states(p: Chunked, kT: tf.Tensor3D): { before: tf.Tensor; final: tf.Tensor } {
  return tf.tidy(() => {
    // U_j = k̂_jᵀ·v_j, then T_j = λ_j·T_{j−1} + U_j from T_{−1} = S₀.
    const kHatT = p.kScale ? flat(tf.mul(chunks(kT, p), columnScale(p.kScale)), p) : kT;
    const u = tf.reshape(tf.matMul(kHatT, flat(p.v, p)), [p.batch, p.heads, p.n, p.f * p.d]);
    const after = decayedScan(
      u,
      p.lambda,
      p.initial && tf.reshape(p.initial, [p.batch, p.heads, 1, p.f * p.d]),
    );
    const first = p.initial
      ? tf.reshape(p.initial, [p.batch, p.heads, 1, p.f * p.d])
      : tf.zeros([p.batch, p.heads, 1, p.f * p.d]);
    const before = p.n > 1 ? tf.concat([first, sliceSequence(after, 0, p.n - 1)], 2) : first;
    const final = sliceSequence(after, p.n - 1, 1);
    return {
      before: tf.reshape(before, [p.batch, p.heads, p.n, p.f, p.d]),
      final: tf.reshape(final, [p.batch, p.heads, p.f, p.d]),
    };
  });
}

const unchunk = (t: tf.Tensor, p: Chunked, width: number): tf.Tensor4D => {
  const full = tf.reshape(t, [p.batch, p.heads, p.n * p.c, width]) as tf.Tensor4D;
  return p.n * p.c === p.seq ? full : sliceSequence(full, 0, p.seq);
};

/** Most numbers in one c×c tensor of a group of chunks (16 MiB of float32): bounds the step's c×c temporaries. */
const GROUP_ELEMENTS = 2 ** 22;

/**
 * `t` [B|1, H, n, …] restricted to chunks j0 … j0 + len − 1 (tensors without a chunk axis pass unchanged).
 */
function chunkRange<T extends tf.Tensor | undefined>(t: T, p: Chunked, j0: number, len: number): T {
  return (t && t.shape[2] === p.n ? sliceSequence(t, j0, len) : t) as T;
}

/**
 * Runs `part` (whose outputs are [B, H, chunks, c, x]) on groups of consecutive chunks and concatenates its outputs
 * along the chunk axis, so the c×c scores of at most `GROUP_ELEMENTS / c²` chunks exist at a time (O(N·c) memory
 * would otherwise be the core's largest term at long lengths). One group, with no copies, when all chunks fit.
 * `extra` [B, H, n, …] tensors are cut like the inputs.
 */
function byGroups(
  p: Chunked,
  extra: tf.Tensor[],
  part: (g: Chunked, extra: tf.Tensor[]) => tf.Tensor[],
): tf.Tensor[] {
  const size = Math.max(1, Math.floor(GROUP_ELEMENTS / (p.batch * p.heads * p.c * p.c)));
  if (size >= p.n) return part(p, extra);
  const outs: tf.Tensor[][] = [];
  for (let j0 = 0; j0 < p.n; j0 += size) {
    const len = Math.min(size, p.n - j0);
    outs.push(
      tf.tidy(() => {
        const g: Chunked = {
          ...p,
          n: len,
          q: chunkRange(p.q, p, j0, len),
          k: chunkRange(p.k, p, j0, len),
          v: chunkRange(p.v, p, j0, len),
          r: chunkRange(p.r, p, j0, len),
          qScale: chunkRange(p.qScale, p, j0, len),
          kScale: chunkRange(p.kScale, p, j0, len),
          lambda: chunkRange(p.lambda, p, j0, len),
        };
        return part(
          g,
          extra.map((t) => chunkRange(t, p, j0, len)),
        );
      }),
    );
  }
  return outs[0]!.map((_, i) => {
    const parts = outs.map((o) => o[i]!);
    const joined = tf.concat(parts, 2);
    tf.dispose(parts);
    return joined;
  });
}

/**
 * Outputs [B, H, seq, d] (followed along the sequence axis by the final state [B, H, f, d] when asked), and the state
 * before each chunk [B, H, n, f, d] (N·f·d/c numbers), which the backward pass reuses. Three batched products:
 * q·kᵀ, the chunk states k̂ᵀ·v, and O = [(q·kᵀ) ⊙ D | q̂]·[v ; S] (the intra- and inter-chunk parts as one product).
 */
export function chunkForward(p: Chunked, returnState: boolean): { packed: tf.Tensor4D; before: tf.Tensor } {
  const kT = swap(flat(p.k, p));
  const { before, final } = states(p, kT);
  const [out] = byGroups(p, [chunks(kT, p), before], (g, [kTg, beforeG]) => {
    const scores = masked(tf.matMul(flat(g.q, g), flat(kTg!, g)), g);
    const o = tf.tidy(() => {
      const left = tf.concat([scores, flat(scaled(g.q, g.qScale), g)], 2);
      return chunks(tf.matMul(left, tf.concat([flat(g.v, g), flat(beforeG!, g)], 1)), g);
    });
    scores.dispose();
    return [o];
  });
  const output = unchunk(out!, p, p.d);
  const packed = returnState ? (tf.concat([output, final], 2) as tf.Tensor4D) : output;
  return { packed, before };
}

/**
 * Gradients of q, k, v (and of the initial state when given) from the (packed) upstream gradient and the forward's
 * states before each chunk. Six batched products, each of the intra- and inter-chunk parts' sum as one product:
 * with B = (dO·vᵀ) ⊙ D and P the states' adjoints,
 *   dq = [B | q̂-scale ⊙ dO]·[k ; Sᵀ],  dk = [Bᵀ | k̂-scale ⊙ v]·[q ; Pᵀ],  dv = [Aᵀ | k̂]·[dO ; P],
 * where Aᵀ = (k·qᵀ) ⊙ Dᵀ is built transposed (no c×c transpose) and P is the recurrence run backwards,
 * P_j = q̂_{j+1}ᵀ·dO_{j+1} + λ_{j+1}·P_{j+1} from P_{n−1} = ∂L/∂final, a reverse scan.
 */
export function chunkBackward(
  p: Chunked,
  beforeStates: tf.Tensor,
  dy: tf.Tensor4D,
  returnState: boolean,
): tf.Tensor[] {
  const dOut = returnState ? sliceSequence(dy, 0, p.seq) : dy;
  const dFinal = returnState ? sliceSequence(dy, p.seq, p.f) : undefined;
  const dO = tf.reshape(padSequence(dOut, p.n * p.c - p.seq), [p.batch, p.heads, p.n, p.c, p.d]);
  const dO3 = flat(dO, p);
  const fd = p.f * p.d;
  // States' adjoints. Forward: o_j += q̂_j·S_j (S_j the state before chunk j), so dS_j = q̂_jᵀ·dO_j; then
  // P_j = dS_{j+1} + λ_{j+1}·P_{j+1} (P_{n−1} = ∂L/∂final), and dS₀ = λ₀·P₀ + dS₀'s own term.
  const adjoint = tf.tidy(() => {
    const qT = swap(flat(p.q, p));
    const qHatT = p.qScale ? flat(tf.mul(chunks(qT, p), columnScale(p.qScale)), p) : qT;
    const dS = tf.reshape(tf.matMul(qHatT, dO3), [p.batch, p.heads, p.n, fd]);
    // Y_j = dS_{j+1} (j < n − 1), Y_{n−1} = ∂L/∂final; multipliers λ_{j+1} (and 0 past the end).
    const last = dFinal ? tf.reshape(dFinal, [p.batch, p.heads, 1, fd]) : tf.zeros([p.batch, p.heads, 1, fd]);
    const y = p.n > 1 ? tf.concat([sliceSequence(dS, 1, p.n - 1), last], 2) : last;
    const lambdaNext =
      p.lambda && p.n > 1
        ? tf.concat([sliceSequence(p.lambda, 1, p.n - 1), tf.ones([p.lambda.shape[0]!, p.heads, 1, 1])], 2)
        : p.lambda;
    const pAdj = decayedScan(y, lambdaNext, undefined, true); // [B, H, n, fd]
    let dInitial: tf.Tensor | undefined;
    if (p.initial) {
      const p0 = sliceSequence(pAdj, 0, 1);
      const l0 = p.lambda ? sliceSequence(p.lambda, 0, 1) : undefined;
      const dS0 = sliceSequence(dS, 0, 1);
      dInitial = tf.reshape(tf.add(scaled(p0, l0), dS0), [p.batch, p.heads, p.f, p.d]);
    }
    return { pAdj: tf.reshape(pAdj, [p.batch * p.heads * p.n, p.f, p.d]), dInitial };
  });
  const pAdj = tf.reshape(adjoint.pAdj, [p.batch, p.heads, p.n, p.f, p.d]);
  const [dq, dk, dv] = byGroups(p, [dO, beforeStates, pAdj], (g, [dOg, sg, pg]) => {
    const dO3g = flat(dOg!, g);
    const q3g = flat(g.q, g);
    const k3g = flat(g.k, g);
    const v3g = flat(g.v, g);
    const p3g = flat(pg!, g);
    // One c×c tensor and one product's operands at a time: each step frees what it made before the next starts.
    const b = masked(tf.matMul(dO3g, v3g, false, true), g);
    const dqg = tf.tidy(() => {
      const left = tf.concat([b, flat(scaled(dOg!, g.qScale), g)], 2);
      return chunks(tf.matMul(left, tf.concat([k3g, swap(flat(sg!, g))], 1)), g);
    });
    const bT = swap(b);
    b.dispose();
    const dkg = tf.tidy(() => {
      const left = tf.concat([bT, flat(scaled(g.v, g.kScale), g)], 2);
      return chunks(tf.matMul(left, tf.concat([q3g, swap(p3g)], 1)), g);
    });
    bT.dispose();
    const aT = masked(tf.matMul(k3g, q3g, false, true), g, true);
    const dvg = tf.tidy(() => {
      const left = tf.concat([aT, flat(scaled(g.k, g.kScale), g)], 2);
      return chunks(tf.matMul(left, tf.concat([dO3g, p3g], 1)), g);
    });
    aT.dispose();
    return [dqg, dkg, dvg];
  });
  const grads: tf.Tensor[] = [unchunk(dq!, p, p.f), unchunk(dk!, p, p.f), unchunk(dv, p, p.d)];
  if (adjoint.dInitial) grads.push(adjoint.dInitial);
  return grads;
}
