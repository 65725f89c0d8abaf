import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from '../finite.js';
import { decayedScan } from './decayed-scan.js';

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
  /** Intra-chunk causal weights D, broadcastable to [B, H, n, c, c] (0 above the diagonal). */
  mask: tf.Tensor;
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

export function chunkInputs(inputs: tf.Tensor[], config: ChunkConfig): Chunked {
  const [q0, k0, v0] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const logDecay = config.hasLogDecay ? (inputs[3] as tf.Tensor3D) : undefined;
  const initial = config.hasInitial ? inputs[config.hasLogDecay ? 4 : 3] : undefined;
  const [batch, heads, seq, f] = q0.shape;
  const d = v0.shape[3];
  const { c, decay } = config;
  const n = Math.ceil(seq / c);
  const pad = n * c - seq;
  const cut = (t: tf.Tensor4D) =>
    tf.reshape(
      pad
        ? tf.pad(finiteOrZero(t), [
            [0, 0],
            [0, 0],
            [0, pad],
            [0, 0],
          ])
        : finiteOrZero(t),
      [batch, heads, n, c, t.shape[3]],
    );
  const base = {
    batch,
    heads,
    seq,
    c,
    n,
    f,
    d,
    q: cut(q0),
    k: cut(k0),
    v: cut(v0),
    initial: initial ? finiteOrZero(initial) : undefined,
  };
  const tril = tf.linalg.bandPart(tf.ones([c, c]), -1, 0);
  if (decay) {
    // Constant γ per head: D[i, j] = γ^(i−j), q̂ = γ^(i+1)·q, k̂ = γ^(end−j)·k, λ = γ^(tokens in the chunk), where the
    // last chunk ends at its last real token (its padding has zero keys).
    const real = c - pad;
    const mask = new Float32Array(heads * c * c);
    const qs = new Float32Array(heads * c);
    const ks = new Float32Array(heads * n * c);
    const lambdas = new Float32Array(heads * n);
    decay.forEach((g, h) => {
      for (let i = 0; i < c; i++) {
        qs[h * c + i] = g ** (i + 1);
        for (let j = 0; j <= i; j++) mask[(h * c + i) * c + j] = g ** (i - j);
      }
      for (let j = 0; j < n; j++) {
        const end = j === n - 1 ? real : c;
        lambdas[h * n + j] = g ** end;
        for (let i = 0; i < c; i++) ks[(h * n + j) * c + i] = i < end ? g ** (end - 1 - i) : 0;
      }
    });
    return {
      ...base,
      mask: tf.tensor(mask, [1, heads, 1, c, c]),
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
    const refs =
      n > 1 ? tf.concat([first, tf.slice(ends, [0, 0, 0, 0], [batch, heads, n - 1, 1])], 2) : first;
    const r = tf.sub(cum, refs); // [B, H, n, c]
    const rEnd = tf.sub(ends, refs); // [B, H, n, 1]
    const diff = tf.minimum(tf.sub(tf.expandDims(r, 4), tf.expandDims(r, 3)), 0); // [B, H, n, c, c]
    // A select, not a product: exp of a later token's garbage must not reach the mask as 0·NaN. On [.., c·c] views:
    // the webgl and webgpu backends have no Select above rank 4.
    const weights = blockView(tf.exp(diff));
    const mask = tf.reshape(
      tf.where(tf.cast(blockView(tril), 'bool'), weights, tf.zerosLike(weights)),
      diff.shape,
    );
    return {
      ...base,
      mask,
      qScale: tf.expandDims(tf.exp(r), 4),
      kScale: tf.expandDims(tf.exp(tf.sub(rEnd, r)), 4),
      lambda: tf.exp(rEnd),
    };
  }
  return { ...base, mask: tril };
}

/**
 * scores ⊙ D inside each chunk, where D holds the (decayed) causal weights and 0 above the diagonal. A select, not a
 * bare product: a finite but huge future token can make q·k overflow to ±Infinity, and Infinity·0 = NaN would reach
 * earlier tokens.
 */
function masked(scores: tf.Tensor, p: Chunked): tf.Tensor {
  return tf.tidy(() => {
    // On [.., c·c] views (no Select above rank 4 on webgl and webgpu), back to [B·H·n, c, c].
    const s = blockView(chunks(scores, p));
    const mask = blockView(p.mask);
    const kept = tf.where(tf.greater(mask, 0), tf.mul(s, mask), tf.zerosLike(s));
    return tf.reshape(kept, [p.batch * p.heads * p.n, p.c, p.c]) as tf.Tensor3D;
  });
}

/** The state before each chunk, [B, H, n, f, d], and after the last one, [B, H, f, d]. */
function states(p: Chunked): { before: tf.Tensor; final: tf.Tensor } {
  return tf.tidy(() => {
    // U_j = k̂_jᵀ·v_j, then T_j = λ_j·T_{j−1} + U_j from T_{−1} = S₀.
    const u = tf.reshape(tf.matMul(flat(scaled(p.k, p.kScale), p), flat(p.v, p), true, false), [
      p.batch,
      p.heads,
      p.n,
      p.f * p.d,
    ]);
    const after = decayedScan(
      u,
      p.lambda,
      p.initial && tf.reshape(p.initial, [p.batch, p.heads, 1, p.f * p.d]),
    );
    const first = p.initial
      ? tf.reshape(p.initial, [p.batch, p.heads, 1, p.f * p.d])
      : tf.zeros([p.batch, p.heads, 1, p.f * p.d]);
    const before =
      p.n > 1
        ? tf.concat([first, tf.slice(after, [0, 0, 0, 0], [p.batch, p.heads, p.n - 1, p.f * p.d])], 2)
        : first;
    const final = tf.slice(after, [0, 0, p.n - 1, 0], [p.batch, p.heads, 1, p.f * p.d]);
    return {
      before: tf.reshape(before, [p.batch, p.heads, p.n, p.f, p.d]),
      final: tf.reshape(final, [p.batch, p.heads, p.f, p.d]),
    };
  });
}

const unchunk = (t: tf.Tensor, p: Chunked, width: number): tf.Tensor4D => {
  const full = tf.reshape(t, [p.batch, p.heads, p.n * p.c, width]) as tf.Tensor4D;
  return p.n * p.c === p.seq
    ? full
    : (tf.slice(full, [0, 0, 0, 0], [p.batch, p.heads, p.seq, width]) as tf.Tensor4D);
};

/** Outputs [B, H, seq, d], followed along the sequence axis by the final state [B, H, f, d] when asked. */
export function chunkForward(p: Chunked, returnState: boolean): tf.Tensor4D {
  const q3 = flat(p.q, p);
  const k3 = flat(p.k, p);
  const v3 = flat(p.v, p);
  const intra = tf.tidy(() => tf.matMul(masked(tf.matMul(q3, k3, false, true), p), v3));
  const { before, final } = states(p);
  const inter = tf.matMul(flat(scaled(p.q, p.qScale), p), flat(before, p));
  const output = unchunk(tf.add(intra, inter), p, p.d);
  return returnState ? (tf.concat([output, final], 2) as tf.Tensor4D) : output;
}

/** Gradients of q, k, v (and of the initial state when given) from the (packed) upstream gradient. */
export function chunkBackward(p: Chunked, dy: tf.Tensor4D, returnState: boolean): tf.Tensor[] {
  const dOut = returnState ? tf.slice(dy, [0, 0, 0, 0], [p.batch, p.heads, p.seq, p.d]) : dy;
  const dFinal = returnState ? tf.slice(dy, [0, 0, p.seq, 0], [p.batch, p.heads, p.f, p.d]) : undefined;
  const pad = p.n * p.c - p.seq;
  const dO = tf.reshape(
    pad
      ? tf.pad(dOut, [
          [0, 0],
          [0, 0],
          [0, pad],
          [0, 0],
        ])
      : dOut,
    [p.batch, p.heads, p.n, p.c, p.d],
  );
  const q3 = flat(p.q, p);
  const k3 = flat(p.k, p);
  const v3 = flat(p.v, p);
  const dO3 = flat(dO, p);
  // Intra-chunk part: B = (dO·vᵀ) ⊙ D, dq = B·k, dk = Bᵀ·q, dv = ((q·kᵀ) ⊙ D)ᵀ·dO.
  const intra = tf.tidy(() => {
    const b = masked(tf.matMul(dO3, v3, false, true), p);
    return { dq: tf.matMul(b, k3), dk: tf.matMul(b, q3, true, false) };
  });
  let dq: tf.Tensor = intra.dq;
  let dk: tf.Tensor = intra.dk;
  let dv: tf.Tensor = tf.tidy(() => tf.matMul(masked(tf.matMul(q3, k3, false, true), p), dO3, true, false));
  // Inter-chunk part. Forward: o_j += q̂_j·S_j (S_j the state before chunk j), so dq̂_j = dO_j·S_jᵀ and
  // dS_j = q̂_jᵀ·dO_j; the states' adjoints run the recurrence backwards: P_j = dS_{j+1} + λ_{j+1}·P_{j+1}
  // (P_{n−1} = ∂L/∂final), then dk̂_j = v_j·P_jᵀ, dv_j = k̂_j·P_j, and dS₀ = λ₀·P₀ + dS₀'s own term.
  const { before } = states(p);
  dq = tf.add(dq, flat(scaled(chunks(tf.matMul(dO3, flat(before, p), false, true), p), p.qScale), p));
  before.dispose();
  const fd = p.f * p.d;
  const adjoint = tf.tidy(() => {
    const dS = tf.reshape(tf.matMul(flat(scaled(p.q, p.qScale), p), dO3, true, false), [
      p.batch,
      p.heads,
      p.n,
      fd,
    ]);
    // Y_j = dS_{j+1} (j < n − 1), Y_{n−1} = ∂L/∂final; multipliers λ_{j+1} (and 0 past the end).
    const last = dFinal ? tf.reshape(dFinal, [p.batch, p.heads, 1, fd]) : tf.zeros([p.batch, p.heads, 1, fd]);
    const y =
      p.n > 1 ? tf.concat([tf.slice(dS, [0, 0, 1, 0], [p.batch, p.heads, p.n - 1, fd]), last], 2) : last;
    const lambdaNext =
      p.lambda && p.n > 1
        ? tf.concat(
            [
              tf.slice(p.lambda, [0, 0, 1, 0], [p.lambda.shape[0]!, p.heads, p.n - 1, 1]),
              tf.ones([p.lambda.shape[0]!, p.heads, 1, 1]),
            ],
            2,
          )
        : p.lambda;
    const reversed = decayedScan(tf.reverse(y, 2), lambdaNext && tf.reverse(lambdaNext, 2));
    const pAdj = tf.reverse(reversed, 2); // [B, H, n, fd]
    let dInitial: tf.Tensor | undefined;
    if (p.initial) {
      const p0 = tf.slice(pAdj, [0, 0, 0, 0], [p.batch, p.heads, 1, fd]);
      const l0 = p.lambda ? tf.slice(p.lambda, [0, 0, 0, 0], [p.lambda.shape[0]!, p.heads, 1, 1]) : undefined;
      const dS0 = tf.slice(dS, [0, 0, 0, 0], [p.batch, p.heads, 1, fd]);
      dInitial = tf.reshape(tf.add(scaled(p0, l0), dS0), [p.batch, p.heads, p.f, p.d]);
    }
    return { pAdj: tf.reshape(pAdj, [p.batch * p.heads * p.n, p.f, p.d]), dInitial };
  });
  dk = tf.add(dk, flat(scaled(chunks(tf.matMul(v3, adjoint.pAdj, false, true), p), p.kScale), p));
  dv = tf.add(dv, tf.matMul(flat(scaled(p.k, p.kScale), p), adjoint.pAdj));
  const grads: tf.Tensor[] = [unchunk(dq, p, p.f), unchunk(dk, p, p.f), unchunk(dv, p, p.d)];
  if (adjoint.dInitial) grads.push(adjoint.dInitial);
  return grads;
}
