import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from '../finite.js';
import { checkShapes } from './shapes.js';
import { splitLeading } from './split-leading.js';
import { concatMany } from './concat-many.js';

/** How the chunked causal core decays older tokens, and the state it starts from and returns. */
export interface ChunkLinearAttentionOptions {
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
   * for s ≤ t (e.g. a running-max stabiliser, or the cumulative sum of per-token log gates). Treated as a constant:
   * its gradient is zero. An `initialState` sits at log-decay 0 (token t sees it with weight e^(c_t)), so a
   * cumulative sum of gates restarted at each call chains exactly.
   */
  logDecay?: tf.Tensor3D;
  /**
   * The state S [batch, heads, f, d] = Σ_s w(before, s) k_sᵀ v_s of tokens before this sequence (default none = 0):
   * token t adds q̂_t·S (q̂ = q decayed from the state, γ^(t+1) or e^(c_t)). Differentiable.
   */
  initialState?: tf.Tensor4D;
  /**
   * Also return the state after the last token, [batch, heads, f, d] (weights relative to the last token: γ^(N−1−s)
   * or e^(c_{N−1} − c_s)), to pass as the next call's `initialState`. Differentiable.
   */
  returnState?: boolean;
}

const DEFAULT_CHUNK = 64;

/**
 * Causal linear attention, chunked: O_t = Σ_{s≤t} w(t, s) (q_t·k_s) v_s with w = 1, γ^(t−s) (`decay`) or
 * e^(c_t − c_s) (`logDecay`), for q, k [batch, heads, seq, f] and v [batch, heads, seq, d] → [batch, heads, seq, d]
 * (with `returnState`, `{ output, finalState }`).
 *
 * Block algorithm (Lightning Attention-2, arXiv 2401.04658 §3.2; "Transformers are RNNs", arXiv 2006.16236 §3.4):
 * per chunk of c tokens the intra-chunk part ((q·kᵀ) ⊙ D)·v with the c×c lower-triangular decay mask D, plus the
 * inter-chunk part q̂·S from the state S [f, d] of all earlier chunks, then S ← λ·S + k̂ᵀ·v. No N×N matrix and no
 * per-token [f, d] state exist. Exact for any values in later tokens: non-finite q, k, v entries are zeroed first and
 * masks are selects, so NaN or ±Infinity in token s > t never reaches output t.
 *
 * Gradient (hand-written, memory-lean: saves only the inputs): with B = (dO·vᵀ) ⊙ D per chunk, dq = B·k + q̂-scale ⊙
 * dO·Sᵀ (forward sweep), dk = Bᵀ·q + k̂-scale ⊙ v·Pᵀ and dv = ((q·kᵀ) ⊙ D)ᵀ·dO + k̂·P (reverse sweep, P = the
 * gradient of the state, P ← λ·P + q̂ᵀ·dO, starting from the final state's gradient and ending at the initial
 * state's). The decay is a constant (zero gradient).
 * @throws RangeError for mismatched shapes, a bad `chunkSize`, or a `decay`/`logDecay`/`initialState` of the wrong
 *   size.
 */
export function chunkLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: ChunkLinearAttentionOptions & { returnState: true },
): { output: tf.Tensor4D; finalState: tf.Tensor4D };
export function chunkLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options?: ChunkLinearAttentionOptions & { returnState?: false },
): tf.Tensor4D;
export function chunkLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: ChunkLinearAttentionOptions = {},
): tf.Tensor4D | { output: tf.Tensor4D; finalState: tf.Tensor4D } {
  const label = 'chunkLinearAttention';
  checkShapes(label, q, k, v);
  const [batch, heads, seq, f] = q.shape;
  const d = v.shape[3];
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(`${label}: option 'chunkSize' must be a positive integer, got ${chunkSize}`);
  }
  const { decay, logDecay, initialState } = options;
  const returnState = options.returnState === true;
  if (decay && logDecay) {
    throw new RangeError(`${label}: give either option 'decay' or 'logDecay', not both`);
  }
  if (decay && (decay.length !== heads || decay.some((g) => !(g > 0 && g <= 1)))) {
    throw new RangeError(
      `${label}: option 'decay' must hold one γ in (0, 1] per head (${heads}), got [${decay.join(', ')}]`,
    );
  }
  if (logDecay && (logDecay.rank !== 3 || logDecay.shape.some((s, i) => s !== [batch, heads, seq][i]))) {
    throw new RangeError(
      `${label}: option 'logDecay' must have shape [${batch}, ${heads}, ${seq}], got [${logDecay.shape}]`,
    );
  }
  if (
    initialState &&
    (initialState.rank !== 4 || initialState.shape.some((s, i) => s !== [batch, heads, f, d][i]))
  ) {
    throw new RangeError(
      `${label}: option 'initialState' must have shape [batch, heads, f, d] = [${batch}, ${heads}, ${f}, ${d}], ` +
        `got [${initialState.shape}]`,
    );
  }
  if (seq === 0) {
    const output = tf.zeros([batch, heads, 0, d]) as tf.Tensor4D;
    if (!returnState) return output;
    return { output, finalState: initialState ? tf.clone(initialState) : tf.zeros([batch, heads, f, d]) };
  }
  const c = Math.min(chunkSize, seq);
  const config: Config = { c, decay, hasLogDecay: !!logDecay, hasInitial: !!initialState, returnState };
  const args: tf.Tensor[] = [q, k, v];
  if (logDecay) args.push(logDecay);
  if (initialState) args.push(initialState);
  const op = tf.customGrad((...fnArgs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = fnArgs.pop() as tf.GradSaveFunc;
    const inputs = fnArgs as tf.Tensor[];
    save(inputs);
    return {
      value: tf.tidy(() => chunkedForward(prepare(inputs, config))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const p = prepare(saved, config);
          const grads = chunkedBackward(p, dy as tf.Tensor4D);
          return config.hasLogDecay
            ? [...grads.slice(0, 3), tf.zerosLike(saved[3]!), ...grads.slice(3)]
            : grads;
        }),
    };
  }) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
  const packed = op(...args);
  if (!returnState) return packed;
  // One custom gradient has one output: the output and the final state travel packed along the sequence axis.
  return tf.tidy(() => ({
    output: tf.slice(packed, [0, 0, 0, 0], [batch, heads, seq, d]),
    finalState: tf.slice(packed, [0, 0, seq, 0], [batch, heads, f, d]),
  }));
}

interface Config {
  c: number;
  decay?: readonly number[];
  hasLogDecay: boolean;
  hasInitial: boolean;
  returnState: boolean;
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
  returnState: boolean;
  q: tf.Tensor2D[];
  k: tf.Tensor2D[];
  v: tf.Tensor2D[];
  /** The initial state per (sample, head), [f, d], when given. */
  initial?: tf.Tensor2D[];
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
  /**
   * For the state after the last chunk, relative to the last real token (differs from the chunk's end only with a
   * constant decay and a padded last chunk): key scale and state decay.
   */
  finalKScale: (index: number, head: number) => tf.Tensor2D | undefined;
  finalLambda: (index: number, head: number) => tf.Tensor | number | undefined;
  /** [B, H, seq, x] → chunk leaves, zero-padded. */
  cut: (t: tf.Tensor4D) => tf.Tensor2D[];
}

function prepare(inputs: tf.Tensor[], config: Config): Prepared {
  const q0 = inputs[0] as tf.Tensor4D;
  const k0 = inputs[1] as tf.Tensor4D;
  const v0 = inputs[2] as tf.Tensor4D;
  const logDecay = config.hasLogDecay ? (inputs[3] as tf.Tensor3D) : undefined;
  const initialState = config.hasInitial ? (inputs[config.hasLogDecay ? 4 : 3] as tf.Tensor4D) : undefined;
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
    returnState: config.returnState,
    cut,
    q: splitLeading(qs!),
    k: splitLeading(ks!),
    v: splitLeading(vs!),
    initial: initialState
      ? splitLeading(tf.reshape(finiteOrZero(initialState), [batch * heads, f, d]))
      : undefined,
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
    // The last chunk holds `real` tokens (then zero padding, whose key scale does not matter): the final state is
    // relative to its last real token.
    const real = c - pad;
    const kFinal =
      pad && config.returnState
        ? (tf.unstack(powers((i) => (i < real ? real - 1 - i : 0))) as tf.Tensor2D[])
        : kHeads;
    const isLast = (i: number) => i % n === n - 1;
    return {
      ...base,
      qHat: (i, h) => tf.mul(base.q[i]!, qHeads[h]!),
      kHat: (i, h) => tf.mul(base.k[i]!, kHeads[h]!),
      mask: (_i, h) => masks[h]!,
      maskT: (_i, h) => masksT[h]!,
      qScaleOf: (_i, h) => qHeads[h]!,
      kScaleOf: (_i, h) => kHeads[h]!,
      lambda: (_i, h) => decay[h]! ** c,
      finalKScale: (i, h) => (isLast(i) ? kFinal[h]! : kHeads[h]!),
      finalLambda: (i, h) => decay[h]! ** (isLast(i) ? real : c),
    };
  }
  if (logDecay) {
    // r = c_t − c(end of the previous chunk) ≤ 0 inside each chunk; the first chunk is relative to its first token,
    // or to log-decay 0 when an initial state precedes it.
    const clean = finiteOrZero(logDecay);
    // Padding repeats the last value (no decay across padded tokens, which are zero anyway).
    const filled = pad
      ? tf.concat([clean, tf.tile(tf.slice(clean, [0, 0, seq - 1], [batch, heads, 1]), [1, 1, pad])], 2)
      : clean;
    const cum = tf.reshape(filled, [batch * heads, n, c]);
    const ends = tf.slice(cum, [0, 0, c - 1], [batch * heads, n, 1]);
    const first = initialState
      ? tf.zeros([batch * heads, 1, 1])
      : tf.slice(cum, [0, 0, 0], [batch * heads, 1, 1]);
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
      finalKScale: (i) => kLeaves[i]!,
      finalLambda: (i) => lambdas[i],
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
    finalKScale: () => undefined,
    finalLambda: () => undefined,
  };
}

function decayed(state: tf.Tensor2D, lambda: tf.Tensor | number | undefined): tf.Tensor2D {
  return lambda === undefined ? state : tf.mul(state, lambda);
}

const rowScaled = (t: tf.Tensor2D, scale: tf.Tensor2D | undefined) => (scale ? tf.mul(t, scale) : t);

/** Stacked chunk outputs [B·H·n·c, x] → [B, H, seq, x]. */
function unchunk(p: Prepared, parts: tf.Tensor2D[], width: number): tf.Tensor4D {
  const full = tf.reshape(concatMany(parts), [p.batch, p.heads, p.n * p.c, width]) as tf.Tensor4D;
  return p.n * p.c === p.seq
    ? full
    : (tf.slice(full, [0, 0, 0, 0], [p.batch, p.heads, p.seq, width]) as tf.Tensor4D);
}

/** Per-(sample, head) [f, d] states → [B, H, f, d]. */
function states(p: Prepared, parts: tf.Tensor2D[]): tf.Tensor4D {
  return tf.reshape(concatMany(parts), [p.batch, p.heads, p.f, p.d]);
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

/**
 * scores ⊙ D inside a chunk, where D holds the (decayed) causal weights and 0 above the diagonal. A select, not a
 * bare product: a finite but huge future token can make q·k overflow to ±Infinity, and Infinity·0 = NaN would reach
 * earlier tokens.
 */
function masked(scores: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(
    () => tf.where(tf.greater(weights, 0), tf.mul(scores, weights), tf.zerosLike(scores)) as tf.Tensor2D,
  );
}

/** The outputs [B, H, seq, d], followed along the sequence axis by the final state [B, H, f, d] when asked. */
function chunkedForward(p: Prepared): tf.Tensor4D {
  const outs: tf.Tensor2D[] = [];
  const finals: tf.Tensor2D[] = [];
  for (let bh = 0; bh < p.batch * p.heads; bh++) {
    const head = bh % p.heads;
    let state: tf.Tensor2D | undefined = p.initial?.[bh];
    for (let j = 0; j < p.n; j++) {
      const i = bh * p.n + j;
      const last = j === p.n - 1;
      const r: { o: tf.Tensor; next?: tf.Tensor } = sweepStep(state, () => {
        const vi = p.v[i]!;
        let o: tf.Tensor2D = tf.matMul(
          masked(tf.matMul(p.q[i]!, tf.transpose(p.k[i]!)), p.mask(i, head)),
          vi,
        );
        if (state) o = tf.add(o, tf.matMul(p.qHat(i, head), state));
        if (last && !p.returnState) return { o };
        const kHat = last ? rowScaled(p.k[i]!, p.finalKScale(i, head)) : p.kHat(i, head);
        const lambda = last ? p.finalLambda(i, head) : p.lambda(i, head);
        const u = tf.matMul(tf.transpose(kHat), vi);
        return { o, next: state ? (tf.add(decayed(state, lambda), u) as tf.Tensor2D) : u };
      });
      outs.push(r.o as tf.Tensor2D);
      state = r.next as tf.Tensor2D | undefined;
    }
    if (state) finals.push(state);
  }
  const output = unchunk(p, outs, p.d);
  return p.returnState ? tf.concat([output, states(p, finals)], 2) : output;
}

/** Gradients of q, k, v (and of the initial state when given) from the packed upstream gradient. */
function chunkedBackward(p: Prepared, dy: tf.Tensor4D): tf.Tensor[] {
  const dOut = p.returnState
    ? (tf.slice(dy, [0, 0, 0, 0], [p.batch, p.heads, p.seq, p.d]) as tf.Tensor4D)
    : dy;
  const dFinal = p.returnState
    ? splitLeading(tf.reshape(tf.slice(dy, [0, 0, p.seq, 0], [p.batch, p.heads, p.f, p.d]), [-1, p.f, p.d]))
    : undefined;
  const dO = p.cut(dOut);
  const dq: tf.Tensor2D[] = [];
  const dk: tf.Tensor2D[] = [];
  const dv: tf.Tensor2D[] = [];
  const dInitial: tf.Tensor2D[] = [];
  for (let bh = 0; bh < p.batch * p.heads; bh++) {
    const head = bh % p.heads;
    // Forward sweep: dq = ((dO·vᵀ) ⊙ D)·k + q-scale ⊙ dO·Sᵀ, with Sᵀ [d, f] rebuilt chunk by chunk.
    let stateT: tf.Tensor2D | undefined = p.initial ? tf.transpose(p.initial[bh]!) : undefined;
    for (let j = 0; j < p.n; j++) {
      const i = bh * p.n + j;
      const last = j === p.n - 1;
      const r: { dq: tf.Tensor; next?: tf.Tensor } = sweepStep(stateT, () => {
        const dOi = dO[i]!;
        const vT = tf.transpose(p.v[i]!);
        let dqi: tf.Tensor2D = tf.matMul(masked(tf.matMul(dOi, vT), p.mask(i, head)), p.k[i]!);
        if (stateT) dqi = tf.add(dqi, rowScaled(tf.matMul(dOi, stateT), p.qScaleOf(i, head)));
        if (last) return { dq: dqi };
        const u = tf.matMul(vT, p.kHat(i, head));
        return { dq: dqi, next: stateT ? (tf.add(decayed(stateT, p.lambda(i, head)), u) as tf.Tensor2D) : u };
      });
      dq.push(r.dq as tf.Tensor2D);
      stateT = r.next as tf.Tensor2D | undefined;
    }
    // Reverse sweep: P = ∂L/∂(state after chunk j) [f, d], P ← λ·P + q̂ᵀ·dO, from the final state's gradient.
    let grad: tf.Tensor2D | undefined = dFinal?.[bh];
    const dkHead: tf.Tensor2D[] = [];
    const dvHead: tf.Tensor2D[] = [];
    for (let j = p.n - 1; j >= 0; j--) {
      const i = bh * p.n + j;
      const first = j === 0;
      const last = j === p.n - 1;
      const r: { dk: tf.Tensor; dv: tf.Tensor; next?: tf.Tensor } = sweepStep(grad, () => {
        const ki = p.k[i]!;
        const vi = p.v[i]!;
        const dOi = dO[i]!;
        const maskT = p.maskT(i, head);
        const scoresT: tf.Tensor2D = masked(tf.matMul(ki, tf.transpose(p.q[i]!)), maskT); // ((q·kᵀ) ⊙ D)ᵀ
        const gradScoresT: tf.Tensor2D = masked(tf.matMul(vi, tf.transpose(dOi)), maskT); // ((dO·vᵀ) ⊙ D)ᵀ
        let dki: tf.Tensor2D = tf.matMul(gradScoresT, p.q[i]!);
        let dvi: tf.Tensor2D = tf.matMul(scoresT, dOi);
        const kScale = last ? p.finalKScale(i, head) : p.kScaleOf(i, head);
        if (grad) {
          // The state path: dk̂ = v·Pᵀ (k̂ = k-scale ⊙ k), dv = k̂·P.
          dki = tf.add(dki, rowScaled(tf.matMul(vi, tf.transpose(grad)), kScale));
          dvi = tf.add(dvi, tf.matMul(last ? rowScaled(ki, kScale) : p.kHat(i, head), grad));
        }
        if (first && !p.initial) return { dk: dki, dv: dvi };
        const u = tf.matMul(tf.transpose(p.qHat(i, head)), dOi);
        const lambda = last ? p.finalLambda(i, head) : p.lambda(i, head);
        return { dk: dki, dv: dvi, next: grad ? (tf.add(decayed(grad, lambda), u) as tf.Tensor2D) : u };
      });
      dkHead.push(r.dk as tf.Tensor2D);
      dvHead.push(r.dv as tf.Tensor2D);
      grad = r.next as tf.Tensor2D | undefined;
    }
    if (grad) dInitial.push(grad);
    for (let j = dkHead.length - 1; j >= 0; j--) {
      dk.push(dkHead[j]!);
      dv.push(dvHead[j]!);
    }
  }
  const grads = [unchunk(p, dq, p.f), unchunk(p, dk, p.f), unchunk(p, dv, p.d)];
  if (p.initial) grads.push(states(p, dInitial));
  return grads;
}
