import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from './mask.js';

/**
 * Kernelized (linear) attention cores shared by the linear-attention family: outputs Σ_j (q_i·k_j) v_j without an
 * N×N matrix, for already feature-mapped queries/keys q, k [batch, heads, seq, f] and values v [batch, heads, seq, d]
 * (a variant that normalises appends a column of ones to v and divides; see Katharopoulos et al., "Transformers are
 * RNNs", arXiv 2006.16236, §3.2).
 *
 * Why everything here is a loop of 2-D matMuls over (sample, head[, chunk]): on the wasm backend a batched matMul
 * runs ~10× slower than the same work as 2-D matMuls. The 2-D pieces come from `splitLeading`, because there each
 * `slice`/`unstack` output copies the whole source tensor (tfjs-backend-wasm 4.22 `Slice` reads the full buffer),
 * which would make a per-chunk loop quadratic, and `gather` is slow per element. Both cores have hand-written
 * gradients (the loops are not differentiated by autodiff).
 */

/** How the chunked causal core decays older tokens. */
export interface CausalLinearAttentionOptions {
  /**
   * Tokens per chunk (default 64): inside a chunk the masked c×c product, across chunks a carried [f, d] state.
   * Cost O(N·c·(f + d) + N·f·d), memory O(N·(c + f + d)); never an N×N matrix, never a per-token [f, d] state.
   */
  chunkSize?: number;
  /**
   * Per-head constant decay γ_h ∈ (0, 1] (length = heads): O_t = Σ_{s≤t} γ^(t−s) (q_t·k_s) v_s (the decayed
   * attention of RetNet, arXiv 2307.08621, evaluated block-wise as in Lightning Attention-2, arXiv 2401.04658 §3).
   */
  decay?: readonly number[];
  /**
   * Data-dependent decay: a cumulative log-decay c [batch, heads, seq], non-increasing along seq; weight e^(c_t − c_s)
   * for s ≤ t (e.g. a running-max stabiliser). Treated as a constant: its gradient is zero.
   */
  logDecay?: tf.Tensor3D;
}

const DEFAULT_CHUNK = 64;

/**
 * Non-causal linear attention: O = q·(kᵀ·v) per sample and head, [batch, heads, seq, d]. Padded keys must already
 * be zero in k (or v). Time O(N·f·d), memory O(N·(f + d)); custom gradient dq = dO·(kᵀv)ᵀ, dk = v·(qᵀdO)ᵀ,
 * dv = k·(qᵀdO), keeping only q, k, v.
 * @throws RangeError when the shapes do not match.
 */
export function linearAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  checkShapes('linearAttention', q, k, v);
  const op = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([qi, ki, vi]);
    return {
      value: tf.tidy(() => linearForward(qi as tf.Tensor4D, ki as tf.Tensor4D, vi as tf.Tensor4D)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() =>
          linearBackward(dy as tf.Tensor4D, ...(saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D])),
        ),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    q: tf.Tensor4D,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
  ) => tf.Tensor4D;
  return op(q, k, v);
}

/**
 * The 2-D slices t[0], t[1], … of a rank-3 tensor. On wasm by halving (each `slice` there copies its whole source,
 * so halving costs O(size·log m) instead of O(size·m) for m separate slices; `gather` is slower still); elsewhere
 * `tf.unstack`.
 */
export function splitLeading(t: tf.Tensor3D): tf.Tensor2D[] {
  if (tf.getBackend() !== 'wasm') return tf.unstack(t) as tf.Tensor2D[];
  const [m, a, b] = t.shape;
  if (m === 1) return [tf.reshape(t, [a, b])];
  const half = Math.floor(m / 2);
  const first = tf.slice(t, [0, 0, 0], [half, a, b]);
  const second = tf.slice(t, [half, 0, 0], [m - half, a, b]);
  const out = [...splitLeading(first), ...splitLeading(second)];
  tf.dispose([first, second]);
  return out;
}

/** [B, H, N, x] → per (sample, head) [N, x] slices. */
const perHead = (t: tf.Tensor4D): tf.Tensor2D[] => {
  const [b, h, n, x] = t.shape;
  return splitLeading(tf.reshape(t, [b * h, n, x]));
};

function linearForward(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [b, h, n] = q.shape;
  const d = v.shape[3];
  const qs = perHead(q);
  const ks = perHead(k);
  const vs = perHead(v);
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < b * h; i++) outs.push(tf.matMul(qs[i]!, tf.matMul(tf.transpose(ks[i]!), vs[i]!)));
  return tf.reshape(tf.concat(outs, 0), [b, h, n, d]);
}

function linearBackward(dy: tf.Tensor4D, q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor[] {
  const [b, h] = q.shape;
  const qs = perHead(q);
  const ks = perHead(k);
  const vs = perHead(v);
  const dys = perHead(dy);
  const dq: tf.Tensor2D[] = [];
  const dk: tf.Tensor2D[] = [];
  const dv: tf.Tensor2D[] = [];
  for (let i = 0; i < b * h; i++) {
    const kv = tf.matMul(tf.transpose(ks[i]!), vs[i]!); // [f, d]
    const dO = dys[i]!;
    const g = tf.matMul(tf.transpose(qs[i]!), dO); // qᵀ·dO, [f, d]
    dq.push(tf.matMul(dO, tf.transpose(kv)));
    dk.push(tf.matMul(vs[i]!, tf.transpose(g)));
    dv.push(tf.matMul(ks[i]!, g));
  }
  return [
    tf.reshape(tf.concat(dq, 0), q.shape),
    tf.reshape(tf.concat(dk, 0), k.shape),
    tf.reshape(tf.concat(dv, 0), v.shape),
  ];
}

/**
 * Causal linear attention, chunked: O_t = Σ_{s≤t} w(t, s) (q_t·k_s) v_s with w = 1, γ^(t−s) (`decay`) or
 * e^(c_t − c_s) (`logDecay`), for q, k [batch, heads, seq, f] and v [batch, heads, seq, d] → [batch, heads, seq, d].
 *
 * Block algorithm (Lightning Attention-2, arXiv 2401.04658 §3.2; "Transformers are RNNs", arXiv 2006.16236 §3.4):
 * per chunk of c tokens the intra-chunk part ((q·kᵀ) ⊙ D)·v with the c×c lower-triangular decay mask D, plus the
 * inter-chunk part q̂·S from the state S [f, d] of all earlier chunks, then S ← λ·S + k̂ᵀ·v. No N×N matrix and no
 * per-token [f, d] state exist. Exact for any values in later tokens: non-finite q, k, v entries are zeroed first and
 * masks are selects, so NaN or ±Infinity in token s > t never reaches output t.
 *
 * Gradient (hand-written, memory-lean: saves only q, k, v): with B = (dO·vᵀ) ⊙ D per chunk, dq = B·k + q̂-scale ⊙
 * dO·Sᵀ (forward sweep), dk = Bᵀ·q + k̂-scale ⊙ v·Pᵀ and dv = ((q·kᵀ) ⊙ D)ᵀ·dO + k̂·P (reverse sweep, P = the
 * gradient of the state, P ← λ·P + q̂ᵀ·dO). The decay is a constant (zero gradient).
 * @throws RangeError for mismatched shapes, a bad `chunkSize`, or a `decay`/`logDecay` of the wrong size.
 */
export function causalLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: CausalLinearAttentionOptions = {},
): tf.Tensor4D {
  checkShapes('causalLinearAttention', q, k, v);
  const [batch, heads, seq] = q.shape;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(
      `causalLinearAttention: option 'chunkSize' must be a positive integer, got ${chunkSize}`,
    );
  }
  const { decay, logDecay } = options;
  if (decay && logDecay) {
    throw new RangeError(`causalLinearAttention: give either option 'decay' or 'logDecay', not both`);
  }
  if (decay && (decay.length !== heads || decay.some((g) => !(g > 0 && g <= 1)))) {
    throw new RangeError(
      `causalLinearAttention: option 'decay' must hold one γ in (0, 1] per head (${heads}), got [${decay.join(', ')}]`,
    );
  }
  if (logDecay && (logDecay.rank !== 3 || logDecay.shape.some((s, i) => s !== [batch, heads, seq][i]))) {
    throw new RangeError(
      `causalLinearAttention: option 'logDecay' must have shape [${batch}, ${heads}, ${seq}], got [${logDecay.shape}]`,
    );
  }
  if (seq === 0) return tf.zeros([batch, heads, 0, v.shape[3]]);
  const c = Math.min(chunkSize, seq);
  const config = { c, decay };
  const args: tf.Tensor[] = [q, k, v];
  if (logDecay) args.push(logDecay);
  const op = tf.customGrad((...fnArgs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = fnArgs.pop() as tf.GradSaveFunc;
    const inputs = fnArgs as tf.Tensor[];
    save(inputs);
    return {
      value: tf.tidy(() => chunkedForward(prepare(inputs, config))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const grads = chunkedBackward(prepare(saved, config), dy as tf.Tensor4D);
          return saved.length > 3 ? [...grads, tf.zerosLike(saved[3]!)] : grads;
        }),
    };
  }) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
  return op(...args);
}

/**
 * One token of causal linear attention as a recurrence ("Transformers are RNNs", arXiv 2006.16236 §3.4): the state
 * S [batch, heads, f, d] becomes λ·S + kᵀ·v and the output is o = q·S (the token sees itself), for q, k
 * [batch, heads, f] and v [batch, heads, d]. λ: omitted (1), one constant per head (`decay`), or a [batch, heads]
 * tensor (data-dependent). Feeding tokens 0…t gives the outputs of `causalLinearAttention` at 0…t. Elementwise only
 * (a batched matMul is slow on wasm); costs O(heads·f·d) per token whatever the position.
 * @returns the output [batch, heads, d] and the new state (the input state is not disposed).
 */
export function linearAttentionStep(
  state: tf.Tensor4D,
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  decay?: readonly number[] | tf.Tensor2D,
): { output: tf.Tensor3D; state: tf.Tensor4D } {
  const [batch, heads, f, d] = state.shape;
  return tf.tidy(() => {
    let previous: tf.Tensor = state;
    if (decay) {
      const lambda = Array.isArray(decay)
        ? tf.tensor4d(decay as number[], [1, heads, 1, 1])
        : tf.reshape(decay as tf.Tensor, [batch, heads, 1, 1]);
      previous = tf.mul(state, lambda);
    }
    const next = tf.add(
      previous,
      tf.mul(tf.reshape(k, [batch, heads, f, 1]), tf.reshape(v, [batch, heads, 1, d])),
    );
    const output = tf.sum(tf.mul(tf.reshape(q, [batch, heads, f, 1]), next), 2);
    return { output: output as tf.Tensor3D, state: next as tf.Tensor4D };
  });
}

/** The inputs cut into chunks (2-D leaves, index = (sample·heads + head)·n + chunk), the decay mask and scales. */
interface Prepared {
  batch: number;
  heads: number;
  seq: number;
  /** Tokens per chunk and number of chunks (the sequence is zero-padded to n·c). */
  c: number;
  n: number;
  f: number;
  d: number;
  q: tf.Tensor2D[];
  k: tf.Tensor2D[];
  v: tf.Tensor2D[];
  /** Query `index` scaled by the decay since the previous chunk's end, e^(r_t) (= q without decay). */
  qHat: (index: number, head: number) => tf.Tensor2D;
  /** Key `index` scaled by the decay until its chunk's end, e^(r_end − r_s) (= k without decay). */
  kHat: (index: number, head: number) => tf.Tensor2D;
  /** The intra-chunk decay mask D [c, c] (lower triangular) of chunk `index` of head `head`, and Dᵀ. */
  mask: (index: number, head: number) => tf.Tensor2D;
  maskT: (index: number, head: number) => tf.Tensor2D;
  /** Row scales [c, 1] of q̂ and k̂ for chunk `index` (undefined without decay), for the gradients. */
  qScaleOf: (index: number, head: number) => tf.Tensor2D | undefined;
  kScaleOf: (index: number, head: number) => tf.Tensor2D | undefined;
  /** State decay over chunk `index` (undefined: 1). */
  lambda: (index: number, head: number) => tf.Tensor | number | undefined;
  /** [B, H, seq, x] → chunk leaves, zero-padded. */
  cut: (t: tf.Tensor4D) => tf.Tensor2D[];
}

function prepare(inputs: tf.Tensor[], config: { c: number; decay?: readonly number[] }): Prepared {
  const [q0, k0, v0, logDecay] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor3D | undefined];
  const [batch, heads, seq, f] = q0.shape;
  const d = v0.shape[3];
  const { c, decay } = config;
  const n = Math.ceil(seq / c);
  const pad = n * c - seq;
  const stack = (t: tf.Tensor4D): tf.Tensor3D => {
    const padded = pad
      ? tf.pad(t, [
          [0, 0],
          [0, 0],
          [0, pad],
          [0, 0],
        ])
      : t;
    return tf.reshape(padded, [batch * heads * n, c, t.shape[3]]);
  };
  const cut = (t: tf.Tensor4D) => splitLeading(stack(t));
  const [qs, ks, vs] = [q0, k0, v0].map((t) => stack(finiteOrZero(t)));
  const base = {
    batch,
    heads,
    seq,
    c,
    n,
    f,
    d,
    cut,
    q: splitLeading(qs!),
    k: splitLeading(ks!),
    v: splitLeading(vs!),
  };
  const tril = tf.linalg.bandPart(tf.ones([c, c]), -1, 0) as tf.Tensor2D;
  if (decay) {
    // Constant γ per head: D[i, j] = γ^(i−j) (j ≤ i), queries scaled by γ^(i+1), keys by γ^(c−1−j), λ = γ^c.
    const powers = (e: (i: number) => number) =>
      tf.tensor3d(
        decay.flatMap((g) => Array.from({ length: c }, (_, i) => g ** e(i))),
        [heads, c, 1],
      );
    const masks = decay.map((g) => {
      const values = new Float32Array(c * c);
      for (let i = 0; i < c; i++) for (let j = 0; j <= i; j++) values[i * c + j] = g ** (i - j);
      return tf.tensor2d(values, [c, c]);
    });
    const masksT = masks.map((m) => tf.transpose(m));
    const qPowers = powers((i) => i + 1);
    const kPowers = powers((i) => c - 1 - i);
    const qHeads = tf.unstack(qPowers) as tf.Tensor2D[];
    const kHeads = tf.unstack(kPowers) as tf.Tensor2D[];
    return {
      ...base,
      qHat: (i, h) => tf.mul(base.q[i]!, qHeads[h]!),
      kHat: (i, h) => tf.mul(base.k[i]!, kHeads[h]!),
      mask: (_i, h) => masks[h]!,
      maskT: (_i, h) => masksT[h]!,
      qScaleOf: (_i, h) => qHeads[h]!,
      kScaleOf: (_i, h) => kHeads[h]!,
      lambda: (_i, h) => decay[h]! ** c,
    };
  }
  if (logDecay) {
    // r = c_t − c(end of the previous chunk) ≤ 0 inside each chunk; the first chunk is relative to its first token.
    const clean = finiteOrZero(logDecay);
    // Padding repeats the last value (no decay across padded tokens, which are zero anyway).
    const filled = pad
      ? tf.concat([clean, tf.tile(tf.slice(clean, [0, 0, seq - 1], [batch, heads, 1]), [1, 1, pad])], 2)
      : clean;
    const cum = tf.reshape(filled, [batch * heads, n, c]);
    const ends = tf.slice(cum, [0, 0, c - 1], [batch * heads, n, 1]);
    const first = tf.slice(cum, [0, 0, 0], [batch * heads, 1, 1]);
    const refs = n > 1 ? tf.concat([first, tf.slice(ends, [0, 0, 0], [batch * heads, n - 1, 1])], 1) : first;
    const r = tf.reshape(tf.sub(cum, refs), [batch * heads * n, c, 1]);
    const rEnd = tf.reshape(tf.sub(ends, refs), [batch * heads * n, 1, 1]);
    const diff = tf.minimum(tf.sub(r, tf.reshape(r, [batch * heads * n, 1, c])), 0);
    // A select, not a product: exp of a later token's garbage must not reach the mask as 0·NaN.
    const masks = tf.where(tf.cast(tril, 'bool'), tf.exp(diff), tf.zerosLike(diff)) as tf.Tensor3D;
    const maskList = splitLeading(masks);
    const lambdas = splitLeading(tf.exp(rEnd) as tf.Tensor3D);
    const qScale = tf.exp(r) as tf.Tensor3D;
    const kScale = tf.exp(tf.sub(rEnd, r)) as tf.Tensor3D;
    // Scales are [c, 1] per chunk: splitting them is p times cheaper than splitting scaled copies of q and k.
    const qLeaves = splitLeading(qScale);
    const kLeaves = splitLeading(kScale);
    return {
      ...base,
      qHat: (i) => tf.mul(base.q[i]!, qLeaves[i]!),
      kHat: (i) => tf.mul(base.k[i]!, kLeaves[i]!),
      mask: (i) => maskList[i]!,
      maskT: (i) => tf.transpose(maskList[i]!),
      qScaleOf: (i) => qLeaves[i]!,
      kScaleOf: (i) => kLeaves[i]!,
      lambda: (i) => lambdas[i],
    };
  }
  const trilT = tf.transpose(tril) as tf.Tensor2D;
  return {
    ...base,
    qHat: (i) => base.q[i]!,
    kHat: (i) => base.k[i]!,
    qScaleOf: () => undefined,
    kScaleOf: () => undefined,
    mask: () => tril,
    maskT: () => trilT,
    lambda: () => undefined,
  };
}


function decayed(state: tf.Tensor2D, lambda: tf.Tensor | number | undefined): tf.Tensor2D {
  return lambda === undefined ? state : tf.mul(state, lambda);
}

/** Stacked chunk outputs [B·H·n·c, x] → [B, H, seq, x]. */
function unchunk(p: Prepared, parts: tf.Tensor2D[], width: number): tf.Tensor4D {
  const full = tf.reshape(tf.concat(parts, 0), [p.batch, p.heads, p.n * p.c, width]) as tf.Tensor4D;
  return p.n * p.c === p.seq
    ? full
    : (tf.slice(full, [0, 0, 0, 0], [p.batch, p.heads, p.seq, width]) as tf.Tensor4D);
}

/**
 * Runs one step of a sweep inside its own tidy, keeping only what it returns: per-chunk temporaries (c×c scores,
 * transposes) are freed at once, so peak memory stays O(N·(f + d)) rather than O(N·c).
 */
function sweepStep<T extends tf.TensorContainer>(previous: tf.Tensor | undefined, step: () => T): T {
  const result = tf.tidy(step);
  previous?.dispose();
  return result;
}

function chunkedForward(p: Prepared): tf.Tensor4D {
  const outs: tf.Tensor2D[] = [];
  for (let bh = 0; bh < p.batch * p.heads; bh++) {
    const head = bh % p.heads;
    let state: tf.Tensor2D | undefined;
    for (let j = 0; j < p.n; j++) {
      const i = bh * p.n + j;
      const last = j === p.n - 1;
      const r: { o: tf.Tensor; next?: tf.Tensor } = sweepStep(last ? undefined : state, () => {
        const vi = p.v[i]!;
        let o: tf.Tensor2D = tf.matMul(
          tf.mul(tf.matMul(p.q[i]!, tf.transpose(p.k[i]!)), p.mask(i, head)),
          vi,
        );
        if (state) o = tf.add(o, tf.matMul(p.qHat(i, head), state));
        if (last) return { o };
        const u = tf.matMul(tf.transpose(p.kHat(i, head)), vi);
        return { o, next: state ? (tf.add(decayed(state, p.lambda(i, head)), u) as tf.Tensor2D) : u };
      });
      outs.push(r.o as tf.Tensor2D);
      if (last) state?.dispose();
      state = r.next as tf.Tensor2D | undefined;
    }
  }
  return unchunk(p, outs, p.d);
}

function chunkedBackward(p: Prepared, dy: tf.Tensor4D): tf.Tensor[] {
  const dO = p.cut(dy);
  const dq: tf.Tensor2D[] = [];
  const dk: tf.Tensor2D[] = [];
  const dv: tf.Tensor2D[] = [];
  const rowScaled = (t: tf.Tensor2D, scale: tf.Tensor2D | undefined) => (scale ? tf.mul(t, scale) : t);
  for (let bh = 0; bh < p.batch * p.heads; bh++) {
    const head = bh % p.heads;
    // Forward sweep: dq = ((dO·vᵀ) ⊙ D)·k + q-scale ⊙ dO·Sᵀ, with Sᵀ [d, f] rebuilt chunk by chunk.
    let stateT: tf.Tensor2D | undefined;
    for (let j = 0; j < p.n; j++) {
      const i = bh * p.n + j;
      const last = j === p.n - 1;
      const r: { dq: tf.Tensor; next?: tf.Tensor } = sweepStep(last ? undefined : stateT, () => {
        const dOi = dO[i]!;
        const vT = tf.transpose(p.v[i]!);
        let dqi: tf.Tensor2D = tf.matMul(tf.mul(tf.matMul(dOi, vT), p.mask(i, head)), p.k[i]!);
        if (stateT) dqi = tf.add(dqi, rowScaled(tf.matMul(dOi, stateT), p.qScaleOf(i, head)));
        if (last) return { dq: dqi };
        const u = tf.matMul(vT, p.kHat(i, head));
        return { dq: dqi, next: stateT ? (tf.add(decayed(stateT, p.lambda(i, head)), u) as tf.Tensor2D) : u };
      });
      dq.push(r.dq as tf.Tensor2D);
      if (last) stateT?.dispose();
      stateT = r.next as tf.Tensor2D | undefined;
    }
    // Reverse sweep: P = ∂L/∂(state after chunk j) [f, d], P ← λ·P + q̂ᵀ·dO.
    let grad: tf.Tensor2D | undefined;
    const dkHead: tf.Tensor2D[] = [];
    const dvHead: tf.Tensor2D[] = [];
    for (let j = p.n - 1; j >= 0; j--) {
      const i = bh * p.n + j;
      const first = j === 0;
      const r: { dk: tf.Tensor; dv: tf.Tensor; next?: tf.Tensor } = sweepStep(
        first ? undefined : grad,
        () => {
          const ki = p.k[i]!;
          const vi = p.v[i]!;
          const dOi = dO[i]!;
          const maskT = p.maskT(i, head);
          const scoresT: tf.Tensor2D = tf.mul(tf.matMul(ki, tf.transpose(p.q[i]!)), maskT); // ((q·kᵀ) ⊙ D)ᵀ
          const gradScoresT: tf.Tensor2D = tf.mul(tf.matMul(vi, tf.transpose(dOi)), maskT); // ((dO·vᵀ) ⊙ D)ᵀ
          let dki: tf.Tensor2D = tf.matMul(gradScoresT, p.q[i]!);
          let dvi: tf.Tensor2D = tf.matMul(scoresT, dOi);
          if (grad) {
            // The state path: dk̂ = v·Pᵀ (k̂ = k-scale ⊙ k), dv = k̂·P.
            dki = tf.add(dki, rowScaled(tf.matMul(vi, tf.transpose(grad)), p.kScaleOf(i, head)));
            dvi = tf.add(dvi, tf.matMul(p.kHat(i, head), grad));
          }
          if (first) return { dk: dki, dv: dvi };
          const u = tf.matMul(tf.transpose(p.qHat(i, head)), dOi);
          return {
            dk: dki,
            dv: dvi,
            next: grad ? (tf.add(decayed(grad, p.lambda(i, head)), u) as tf.Tensor2D) : u,
          };
        },
      );
      dkHead.push(r.dk as tf.Tensor2D);
      dvHead.push(r.dv as tf.Tensor2D);
      if (first) grad?.dispose();
      grad = r.next as tf.Tensor2D | undefined;
    }
    dk.push(...dkHead.reverse());
    dv.push(...dvHead.reverse());
  }
  return [unchunk(p, dq, p.f), unchunk(p, dk, p.f), unchunk(p, dv, p.d)];
}

function checkShapes(label: string, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): void {
  const describe = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (q.rank !== 4) throw new RangeError(`${label}: 'q' must be [batch, heads, seq, f], got ${describe(q)}`);
  if (k.rank !== 4 || k.shape.some((s, i) => s !== q.shape[i])) {
    throw new RangeError(`${label}: 'k' must have the shape of 'q' ${describe(q)}, got ${describe(k)}`);
  }
  if (v.rank !== 4 || v.shape.slice(0, 3).some((s, i) => s !== q.shape[i])) {
    throw new RangeError(
      `${label}: 'v' must be [${q.shape.slice(0, 3).join(', ')}, d] (batch, heads, seq of 'q'), got ${describe(v)}`,
    );
  }
}
