import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero, padSequence } from '@tost/ops';
import { splitLeading } from './split-leading.js';
import { unitLowerInverse } from './unit-lower-inverse.js';

/** Default tokens per chunk of the chunk-wise form. */
export const DEFAULT_CHUNK_SIZE = 64;

export interface DeltaRuleInputs {
  /** Queries [batch, heads, seq, p] (already normalised and scaled). */
  q: tf.Tensor4D;
  /** Keys [batch, heads, seq, p] (already L2-normalised). */
  k: tf.Tensor4D;
  /** Values [batch, heads, seq, p]. */
  v: tf.Tensor4D;
  /** Write strengths β ∈ [0, 1], [batch, heads, seq] (0 at padded tokens). */
  beta: tf.Tensor3D;
  /** Per-token log decay γ ≤ 0 (α = e^γ), [batch, heads, seq] (0 at padded tokens); omitted = no decay (DeltaNet). */
  logDecay?: tf.Tensor3D;
  /** State before the first token [batch, heads, p, p] (key × value axes); omitted = zeros. */
  initialState?: tf.Tensor4D;
}

export interface DeltaRuleOptions {
  /** Tokens per chunk c, a power of two (default 64). */
  chunkSize?: number;
  /**
   * Tokens per segment (rounded up to whole chunks; default 64 chunks): longer sequences run segment after segment
   * with the memory carried across, forward and backward, so the chunk intermediates of one segment only are alive
   * at once — peak memory O(segment·(c + p)) besides the O(N·p) inputs, outputs and gradients.
   */
  segmentLength?: number;
}

/** Default segment: 64 chunks. */
const DEFAULT_SEGMENT_CHUNKS = 64;

/**
 * The (gated) delta rule over a whole sequence, chunk-wise: per head, with the state S [p, p] (key rows, value
 * columns; the transpose of the papers' S) and row vectors q_t, k_t, v_t,
 *
 *   S_t = α_t (I − β_t k_tᵀk_t) S_{t−1} + β_t k_tᵀ v_t,   o_t = q_t S_t     (α_t = e^{γ_t}; DeltaNet: α = 1)
 *
 * evaluated as DeltaNet's chunk-wise parallel form (Yang et al., "Parallelizing Linear Transformers with the Delta
 * Rule over Sequence Length", arXiv 2406.06484, §3.2) with the decay folded in as in Gated DeltaNet (Yang, Kautz,
 * Hatamizadeh, arXiv 2412.06464, §3.3). Per chunk of c tokens with g_t = Σ_{j≤t} γ_j inside the chunk, Γ = e^g,
 * D_{ti} = e^{g_t − g_i} (i ≤ t) and the state S₀ at the chunk's start:
 *
 *   T = (I + strictLower(diag(β)(KKᵀ ⊙ D)))⁻¹ diag(β)    (the UT transform; `unitLowerInverse`)
 *   W = T·diag(Γ)K,  Ũ = T·V,  U = Ũ − W·S₀              (the WY representation's pseudo-values)
 *   O = diag(Γ)Q·S₀ + ((QKᵀ) ⊙ D)·U,  S_c = Γ_c S₀ + (diag(Γ_c/Γ)K)ᵀ·U
 *
 * T, W, Ũ and the masked products are computed for all chunks at once; only U, O and the [p, p] state run chunk
 * after chunk. Costs O(N·c·p + N·p²) time and O(N·(c + p)) memory per head: never an [N, p, p] tensor.
 *
 * Gradient: hand-written (`tf.customGrad`), saving only the inputs. The backward pass recomputes the chunk pieces,
 * re-runs the state sweep to recover each chunk's S₀ (N/c states of [p, p]: O(N·p²/c) = O(N·p) for c ≈ p), then sweeps
 * the chunks in reverse carrying ∂L/∂S, and finishes with batched per-chunk products (the transposed triangular
 * solve dR = Tᵀ·dX, dA = −dR·Xᵀ).
 *
 * Exact for any values in later tokens: non-finite inputs are zeroed first and masks are selects, so NaN or ±∞ at
 * token s > t never reaches output t. Padded tokens (β = 0, γ = 0) leave the state unchanged.
 *
 * @returns the outputs [batch, heads, seq, p] and, with `finalState`, the state after the last token
 *   [batch, heads, p, p] (differentiable too).
 * @throws RangeError for mismatched shapes or a chunk size that is not a power of two.
 */
export function chunkedDeltaRule(
  inputs: DeltaRuleInputs,
  options: DeltaRuleOptions & { finalState: true },
): { output: tf.Tensor4D; finalState: tf.Tensor4D };
export function chunkedDeltaRule(
  inputs: DeltaRuleInputs,
  options?: DeltaRuleOptions & { finalState?: false },
): { output: tf.Tensor4D };
export function chunkedDeltaRule(
  inputs: DeltaRuleInputs,
  options: DeltaRuleOptions & { finalState?: boolean } = {},
): { output: tf.Tensor4D; finalState?: tf.Tensor4D } {
  const { q, k, v, beta } = inputs;
  checkInputs(inputs);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  validateChunkSize(chunkSize, 'chunkedDeltaRule');
  const [batch, heads, seq, p] = q.shape;
  const withFinal = options.finalState === true;
  if (seq === 0) {
    const output = tf.zeros([batch, heads, 0, p]) as tf.Tensor4D;
    if (!withFinal) return { output };
    return {
      output,
      finalState: inputs.initialState ? tf.clone(inputs.initialState) : tf.zeros([batch, heads, p, p]),
    };
  }
  const c = Math.min(chunkSize, nextPowerOfTwo(seq));
  const segmentLength = options.segmentLength ?? DEFAULT_SEGMENT_CHUNKS * c;
  if (!Number.isInteger(segmentLength) || segmentLength < 1) {
    throw new RangeError(
      `chunkedDeltaRule: option 'segmentLength' must be a positive integer, got ${String(segmentLength)}`,
    );
  }
  const segment = Math.ceil(segmentLength / c) * c;
  const logDecay = inputs.logDecay ?? (tf.zeros([batch, heads, seq]) as tf.Tensor3D);
  const initial = inputs.initialState ?? (tf.zeros([batch, heads, p, p]) as tf.Tensor4D);
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    save(xs);
    return {
      value: tf.tidy(() => {
        const parts = perHead(xs, undefined, (head) => forwardSegments(head, c, segment));
        const [output, state] = joinHeads(parts, batch, heads) as [tf.Tensor4D, tf.Tensor4D];
        return withFinal ? pack(output, state) : output;
      }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [dO, dState] = withFinal ? unpack(dy, seq, p) : [dy as tf.Tensor4D, undefined];
          const grads = perHead(saved, [dO, dState], (head, [dOHead, dStateHead]) =>
            backwardSegments(head, dOHead as tf.Tensor4D, dStateHead as tf.Tensor4D | undefined, c, segment),
          );
          return joinHeads(grads, batch, heads);
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor;
  const result = op(q, k, v, beta, logDecay, initial);
  if (!inputs.logDecay) logDecay.dispose();
  if (!inputs.initialState) initial.dispose();
  if (!withFinal) return { output: result as tf.Tensor4D };
  const [output, finalState] = tf.tidy(() => unpack(result, seq, p));
  result.dispose();
  return { output: output, finalState: finalState! };
}

/**
 * Runs `f` on one (sample, head) at a time — inputs [1, 1, …] — inside its own tidy, so that the chunk intermediates
 * of only one head are alive at once (peak memory ÷ batch·heads); returns the per-head results.
 */
function perHead(
  xs: tf.Tensor[],
  extra: (tf.Tensor | undefined)[] | undefined,
  f: (head: tf.Tensor[], extra: (tf.Tensor | undefined)[]) => tf.Tensor[],
): tf.Tensor[][] {
  const [b, h] = xs[0]!.shape as [number, number];
  const split = (t: tf.Tensor | undefined): (tf.Tensor | undefined)[] => {
    if (!t) return Array(b * h).fill(undefined);
    const rest = t.shape.slice(2);
    return tf.unstack(tf.reshape(t, [b * h, ...rest])).map((x) => tf.reshape(x, [1, 1, ...rest]));
  };
  const inputs = xs.map(split);
  const extras = (extra ?? []).map(split);
  const out: tf.Tensor[][] = [];
  for (let i = 0; i < b * h; i++) {
    out.push(
      tf.tidy(() =>
        f(
          inputs.map((list) => list[i]!),
          extras.map((list) => list[i]),
        ),
      ),
    );
    tf.dispose([
      ...inputs.map((list) => list[i]!),
      ...extras.map((list) => list[i]).filter((t) => t !== undefined),
    ]);
  }
  return out;
}

/** Per-head results [1, 1, …] (one list per head) → one tensor [batch, heads, …] per result. */
function joinHeads(parts: tf.Tensor[][], batch: number, heads: number): tf.Tensor[] {
  return parts[0]!.map((first, j) => {
    const stacked = tf.concat(
      parts.map((list) => list[j]!),
      0,
    );
    return tf.reshape(stacked, [batch, heads, ...first.shape.slice(2)]);
  });
}

/** One head's per-token inputs [1, 1, N, …] cut into segments of `length` tokens (the last zero-padded: inert). */
function segments(xs: tf.Tensor[], length: number): tf.Tensor[][] {
  const n = xs[0]!.shape[2]!;
  const count = Math.ceil(n / length);
  const pieces = xs.map((t) => {
    const rest = t.shape.slice(3);
    const padding = count * length - n;
    const padded = padding
      ? tf.pad(t, [[0, 0], [0, 0], [0, padding], ...rest.map(() => [0, 0] as [number, number])])
      : t;
    return tf
      .unstack(tf.reshape(padded, [count, length, ...rest]))
      .map((x) => tf.reshape(x, [1, 1, length, ...rest]));
  });
  return Array.from({ length: count }, (_, i) => pieces.map((list) => list[i]!));
}

/** Segments along the sequence axis → one tensor [1, 1, n, …]. */
function joinSegments(parts: tf.Tensor[], n: number): tf.Tensor {
  const full = tf.concat(parts, 2);
  const size = [...full.shape];
  size[2] = n;
  return full.shape[2] === n ? full : tf.slice(full, Array(full.rank).fill(0), size);
}

/** One head, forward: segment after segment, carrying the memory. Returns [output, final memory]. */
function forwardSegments(head: tf.Tensor[], c: number, length: number): tf.Tensor[] {
  const n = head[0]!.shape[2]!;
  if (n <= length) {
    const r = forward(prepare(head, c));
    return [r.output, r.state];
  }
  let state = head[5]!;
  const outputs: tf.Tensor[] = [];
  for (const seg of segments(head.slice(0, 5), length)) {
    const r = tf.tidy(() => forward(prepare([...seg, state], c)));
    outputs.push(r.output);
    if (state !== head[5]) state.dispose();
    state = r.state;
  }
  return [joinSegments(outputs, n), state];
}

/**
 * One head, backward: the memory at every segment's start by a forward sweep (one [p, p] per segment), then the
 * segments in reverse, each recomputed, carrying ∂L/∂(memory). Returns the gradients of the six inputs.
 */
function backwardSegments(
  head: tf.Tensor[],
  dO: tf.Tensor4D,
  dFinal: tf.Tensor4D | undefined,
  c: number,
  length: number,
): tf.Tensor[] {
  const n = head[0]!.shape[2]!;
  if (n <= length) return backward(prepare(head, c), dO, dFinal);
  const segs = segments(head.slice(0, 5), length);
  const dOs = segments([dO], length).map((list) => list[0]!);
  const starts: tf.Tensor[] = [head[5]!];
  for (let i = 0; i < segs.length - 1; i++) {
    starts.push(tf.tidy(() => forward(prepare([...segs[i]!, starts[i]!], c)).state));
  }
  let dState: tf.Tensor | undefined = dFinal;
  const grads: tf.Tensor[][] = [];
  for (let i = segs.length - 1; i >= 0; i--) {
    const g = tf.tidy(() =>
      backward(
        prepare([...segs[i]!, starts[i]!], c),
        dOs[i] as tf.Tensor4D,
        dState as tf.Tensor4D | undefined,
      ),
    );
    if (dState !== dFinal) dState?.dispose();
    dState = g[5]!;
    grads.unshift(g.slice(0, 5));
    tf.dispose([...segs[i]!, dOs[i]!, ...(i > 0 ? [starts[i]!] : [])]);
  }
  return [
    ...Array.from({ length: 5 }, (_, j) =>
      joinSegments(
        grads.map((g) => g[j]!),
        n,
      ),
    ),
    dState!,
  ];
}

/** Throws unless `chunkSize` is a power of two (the UT transform inverts by doubling). */
export function validateChunkSize(chunkSize: unknown, label: string): number {
  if (
    typeof chunkSize !== 'number' ||
    !Number.isInteger(chunkSize) ||
    chunkSize < 1 ||
    (chunkSize & (chunkSize - 1)) !== 0
  ) {
    throw new RangeError(
      `${label}: option 'chunkSize' must be a power of two (1, 2, 4, …, e.g. 32 or 64), got ${String(chunkSize)}`,
    );
  }
  return chunkSize;
}

function nextPowerOfTwo(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

function checkInputs({ q, k, v, beta, logDecay, initialState }: DeltaRuleInputs): void {
  const label = 'chunkedDeltaRule';
  const shape = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (!(q instanceof tf.Tensor) || q.rank !== 4) {
    throw new RangeError(
      `${label}: 'q' must be [batch, heads, seq, p], got ${q instanceof tf.Tensor ? shape(q) : String(q)}`,
    );
  }
  const [b, h, n, p] = q.shape;
  for (const [name, t] of [
    ['k', k],
    ['v', v],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape.some((s, i) => s !== q.shape[i])) {
      throw new RangeError(
        `${label}: '${name}' must have the shape of 'q' ${shape(q)}, got ${t instanceof tf.Tensor ? shape(t) : String(t)}`,
      );
    }
  }
  for (const [name, t] of [
    ['beta', beta],
    ['logDecay', logDecay],
  ] as const) {
    if (t === undefined && name === 'logDecay') continue;
    if (!(t instanceof tf.Tensor) || t.rank !== 3 || t.shape.some((s, i) => s !== [b, h, n][i])) {
      throw new RangeError(
        `${label}: '${name}' must have shape [batch, heads, seq] = [${b}, ${h}, ${n}], got ${t instanceof tf.Tensor ? shape(t) : String(t)}`,
      );
    }
  }
  if (initialState !== undefined) {
    if (
      !(initialState instanceof tf.Tensor) ||
      initialState.rank !== 4 ||
      initialState.shape.some((s, i) => s !== [b, h, p, p][i])
    ) {
      throw new RangeError(
        `${label}: 'initialState' must have shape [batch, heads, p, p] = [${b}, ${h}, ${p}, ${p}], got ` +
          `${initialState instanceof tf.Tensor ? shape(initialState) : String(initialState)}`,
      );
    }
  }
}

/** Output [B, H, N, p] and state [B, H, p, p] in one tensor [B, H, N·p + p·p] (customGrad returns one tensor). */
function pack(output: tf.Tensor4D, state: tf.Tensor4D): tf.Tensor3D {
  const [b, h, n, p] = output.shape;
  return tf.concat([tf.reshape(output, [b, h, n * p]), tf.reshape(state, [b, h, p * p])], 2) as tf.Tensor3D;
}

function unpack(t: tf.Tensor, seq: number, p: number): [tf.Tensor4D, tf.Tensor4D] {
  const [b, h] = t.shape as [number, number, number];
  const output = tf.reshape(tf.slice(t, [0, 0, 0], [b, h, seq * p]), [b, h, seq, p]) as tf.Tensor4D;
  const state = tf.reshape(tf.slice(t, [0, 0, seq * p], [b, h, p * p]), [b, h, p, p]) as tf.Tensor4D;
  return [output, state];
}

/** Everything about the chunks that does not depend on the carried state, for all chunks at once. */
interface Prepared {
  batch: number;
  heads: number;
  seq: number;
  p: number;
  /** Tokens per chunk and chunks per sequence (the sequence is zero-padded to n·c). */
  c: number;
  n: number;
  /** Chunked inputs [m = B·H·n, c, ·]. */
  q: tf.Tensor3D;
  k: tf.Tensor3D;
  v: tf.Tensor3D;
  beta: tf.Tensor3D; // [m, c, 1]
  /** In-chunk cumulative log decay g [m, c, 1], Γ = e^g, ρ = e^{g_last − g} [m, c, 1], e^{g_last} [m, 1, 1]. */
  gamma: tf.Tensor3D;
  rho: tf.Tensor3D;
  lastDecay: tf.Tensor3D;
  /** D (lower incl. diagonal) and its strictly lower part, [m, c, c]. */
  decayMask: tf.Tensor3D;
  strictMask: tf.Tensor3D;
  /** G = KKᵀ and S = QKᵀ per chunk, [m, c, c]. */
  gram: tf.Tensor3D;
  scores: tf.Tensor3D;
  /** P = S ⊙ D, T = (I + A)⁻¹ with A = strictLower(diag(β)(G ⊙ D)), [m, c, c]. */
  intra: tf.Tensor3D;
  t: tf.Tensor3D;
  /** W = T·diag(βΓ)K and Ũ = T·diag(β)V, [m, c, p]. */
  w: tf.Tensor3D;
  u: tf.Tensor3D;
  /** Initial states, one [p, p] leaf per (sample, head). */
  initial: tf.Tensor2D[];
}

function prepare(inputs: tf.Tensor[], c: number): Prepared {
  const [q0, k0, v0, beta0, logDecay0, initial0] = inputs as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor4D,
  ];
  const [batch, heads, seq, p] = q0.shape;
  const n = Math.ceil(seq / c);
  const m = batch * heads * n;
  const pad = n * c - seq;
  // [batch, heads, seq(, x)] → [m, c, x] (x = 1 for rank 3), non-finite entries zeroed, the last chunk zero-padded.
  const chunked = (t: tf.Tensor3D | tf.Tensor4D): tf.Tensor3D =>
    tf.reshape(padSequence(finiteOrZero(t), pad), [m, c, t.rank === 4 ? t.shape[3]! : 1]);
  // Temporaries (leaves, products, the decay's differences) die here; only what the sweeps need survives.
  const kept = tf.tidy(() => {
    const q = chunked(q0);
    const k = chunked(k0);
    const v = chunked(v0);
    const beta = chunked(beta0);
    const g = tf.cumsum(tf.reshape(chunked(logDecay0), [m, c]), 1);
    const gLast = tf.slice(g, [0, c - 1], [m, 1]);
    const gamma = tf.reshape(tf.exp(g), [m, c, 1]) as tf.Tensor3D;
    const rho = tf.reshape(tf.exp(tf.sub(gLast, g)), [m, c, 1]) as tf.Tensor3D;
    const lastDecay = tf.reshape(tf.exp(gLast), [m, 1, 1]) as tf.Tensor3D;
    const lower = tf.cast(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), 'bool');
    const strict = tf.logicalAnd(lower, tf.logicalNot(tf.cast(tf.eye(c), 'bool')));
    const diff = tf.minimum(tf.sub(tf.reshape(g, [m, c, 1]), tf.reshape(g, [m, 1, c])), 0);
    const decay = tf.exp(diff);
    const zeros = tf.zerosLike(decay);
    const decayMask = tf.where(lower, decay, zeros) as tf.Tensor3D;
    const strictMask = tf.where(strict, decay, zeros) as tf.Tensor3D;
    // S and G in one 2-D product per chunk: [Q; K]·Kᵀ.
    const qk = splitLeading(tf.concat([q, k], 1) as tf.Tensor3D);
    const kT = splitLeading(tf.transpose(k, [0, 2, 1]));
    const products = tf.reshape(
      tf.concat(
        qk.map((x, i) => tf.matMul(x, kT[i]!)),
        0,
      ),
      [m, 2 * c, c],
    );
    const [scores, gram] = tf.unstack(tf.reshape(products, [m, 2, c, c]), 1) as [tf.Tensor3D, tf.Tensor3D];
    const intra = tf.mul(scores, decayMask) as tf.Tensor3D;
    const a = tf.mul(tf.mul(gram, strictMask), beta) as tf.Tensor3D;
    const t = unitLowerInverse(a);
    const rhs = splitLeading(tf.mul(tf.concat([tf.mul(k, gamma), v], 2), beta) as tf.Tensor3D);
    const tLeaves = splitLeading(t);
    const x = tf.reshape(
      tf.concat(
        tLeaves.map((ti, i) => tf.matMul(ti, rhs[i]!)),
        0,
      ),
      [m, c, 2 * p],
    );
    const [w, u] = tf.unstack(tf.reshape(x, [m, c, 2, p]), 2) as [tf.Tensor3D, tf.Tensor3D];
    return { q, k, v, beta, gamma, rho, lastDecay, decayMask, strictMask, gram, scores, intra, t, w, u };
  });
  const { q, k, v, beta, gamma, rho, lastDecay, decayMask, strictMask, gram, scores, intra, t, w, u } =
    kept as {
      [
        name in
          | 'q'
          | 'k'
          | 'v'
          | 'beta'
          | 'gamma'
          | 'rho'
          | 'lastDecay'
          | 'decayMask'
          | 'strictMask'
          | 'gram'
          | 'scores'
          | 'intra'
          | 't'
          | 'w'
          | 'u'
      ]: tf.Tensor3D;
    };
  const initial = splitLeading(tf.reshape(finiteOrZero(initial0), [batch * heads, p, p]));
  return {
    batch,
    heads,
    seq,
    p,
    c,
    n,
    q,
    k,
    v,
    beta,
    gamma,
    rho,
    lastDecay,
    decayMask,
    strictMask,
    gram,
    scores,
    intra,
    t,
    w,
    u,
    initial,
  };
}

/**
 * Runs one step of a sweep inside its own tidy, keeping only what it returns, and disposes the previous carried
 * tensor: per-chunk temporaries are freed at once.
 */
function sweepStep<T extends tf.TensorContainer>(previous: tf.Tensor | undefined, step: () => T): T {
  const result = tf.tidy(step);
  previous?.dispose();
  return result;
}

/** [m, c, x] chunk leaves → [B, H, seq, x]. */
function unchunk(pr: Prepared, parts: tf.Tensor[], width: number): tf.Tensor4D {
  const full = tf.reshape(tf.concat(parts, 0), [pr.batch, pr.heads, pr.n * pr.c, width]) as tf.Tensor4D;
  return pr.n * pr.c === pr.seq
    ? full
    : (tf.slice(full, [0, 0, 0, 0], [pr.batch, pr.heads, pr.seq, width]) as tf.Tensor4D);
}

function unchunkScalar(pr: Prepared, t: tf.Tensor3D): tf.Tensor3D {
  const full = tf.reshape(t, [pr.batch, pr.heads, pr.n * pr.c]) as tf.Tensor3D;
  return pr.n * pr.c === pr.seq
    ? full
    : (tf.slice(full, [0, 0, 0], [pr.batch, pr.heads, pr.seq]) as tf.Tensor3D);
}

function forward(pr: Prepared): { output: tf.Tensor4D; state: tf.Tensor4D } {
  const qHat = splitLeading(tf.mul(pr.q, pr.gamma) as tf.Tensor3D);
  const kHatT = splitLeading(tf.transpose(tf.mul(pr.k, pr.rho), [0, 2, 1]) as tf.Tensor3D);
  const w = splitLeading(pr.w);
  const u = splitLeading(pr.u);
  const p = splitLeading(pr.intra);
  const last = splitLeading(pr.lastDecay);
  const outs: tf.Tensor2D[] = [];
  const finals: tf.Tensor2D[] = [];
  for (let bh = 0; bh < pr.batch * pr.heads; bh++) {
    let state = pr.initial[bh]!;
    for (let j = 0; j < pr.n; j++) {
      const i = bh * pr.n + j;
      const r = sweepStep(j === 0 ? undefined : state, () => {
        const ui = tf.sub(u[i]!, tf.matMul(w[i]!, state));
        const o = tf.add(tf.matMul(qHat[i]!, state), tf.matMul(p[i]!, ui));
        const next = tf.add(tf.mul(state, last[i]!), tf.matMul(kHatT[i]!, ui));
        return { o, next };
      });
      outs.push(r.o as tf.Tensor2D);
      state = r.next as tf.Tensor2D;
    }
    finals.push(state);
  }
  const output = unchunk(pr, outs, pr.p);
  const stateOut = tf.reshape(tf.stack(finals), [pr.batch, pr.heads, pr.p, pr.p]) as tf.Tensor4D;
  return { output, state: stateOut };
}

function backward(pr: Prepared, dy: tf.Tensor4D, dFinal: tf.Tensor4D | undefined): tf.Tensor[] {
  const { batch, heads, n, c, p } = pr;
  const m = batch * heads * n;
  const pad = n * c - pr.seq;
  const dyChunks = tf.reshape(padSequence(dy, pad), [m, c, p]) as tf.Tensor3D;
  const dO = splitLeading(dyChunks);
  const qHatAll = tf.mul(pr.q, pr.gamma) as tf.Tensor3D;
  const kHatAll = tf.mul(pr.k, pr.rho) as tf.Tensor3D;
  const qHatT = splitLeading(tf.transpose(qHatAll, [0, 2, 1]));
  const kHat = splitLeading(kHatAll);
  const kHatT = splitLeading(tf.transpose(kHatAll, [0, 2, 1]));
  const w = splitLeading(pr.w);
  const wT = splitLeading(tf.transpose(pr.w, [0, 2, 1]));
  const uTilde = splitLeading(pr.u);
  const pT = splitLeading(tf.transpose(pr.intra, [0, 2, 1]));
  const last = splitLeading(pr.lastDecay);
  const dFinalLeaves = dFinal ? splitLeading(tf.reshape(dFinal, [batch * heads, p, p])) : undefined;

  const du: tf.Tensor2D[] = new Array(m);
  const dw: tf.Tensor2D[] = new Array(m);
  const dkHat: tf.Tensor2D[] = new Array(m);
  const dqHat: tf.Tensor2D[] = new Array(m);
  const dp: tf.Tensor2D[] = new Array(m);
  const dLast: tf.Tensor2D[] = new Array(m);
  const dInitial: tf.Tensor2D[] = [];
  for (let bh = 0; bh < batch * heads; bh++) {
    // Forward sweep: the state at the start of every chunk, and U.
    const starts: tf.Tensor2D[] = [pr.initial[bh]!];
    const us: tf.Tensor2D[] = [];
    for (let j = 0; j < n; j++) {
      const i = bh * n + j;
      const s0 = starts[j]!;
      const r = tf.tidy(() => {
        const ui = tf.sub(uTilde[i]!, tf.matMul(w[i]!, s0)) as tf.Tensor2D;
        const next = j < n - 1 ? tf.add(tf.mul(s0, last[i]!), tf.matMul(kHatT[i]!, ui)) : undefined;
        return { ui, next };
      });
      us.push(r.ui);
      if (r.next) starts.push(r.next as tf.Tensor2D);
    }
    // Reverse sweep carrying dS = ∂L/∂(state after chunk j).
    let dS: tf.Tensor2D = dFinalLeaves?.[bh] ?? (tf.zeros([p, p]) as tf.Tensor2D);
    for (let j = n - 1; j >= 0; j--) {
      const i = bh * n + j;
      const s0 = starts[j]!;
      const ui = us[j]!;
      const r = sweepStep(j === n - 1 ? undefined : dS, () => {
        const dOi = dO[i]!;
        const dui = tf.add(tf.matMul(pT[i]!, dOi), tf.matMul(kHat[i]!, dS));
        const dKh = tf.matMul(ui, tf.transpose(dS));
        const dl = tf.reshape(tf.mul(tf.sum(tf.mul(s0, dS)), last[i]!), [1, 1]);
        const dPrev = tf.sub(tf.add(tf.matMul(qHatT[i]!, dOi), tf.mul(dS, last[i]!)), tf.matMul(wT[i]!, dui));
        const s0T = tf.transpose(s0);
        return {
          du: dui,
          dw: tf.neg(tf.matMul(dui, s0T)),
          dKh,
          dqh: tf.matMul(dOi, s0T),
          dp: tf.matMul(dOi, tf.transpose(ui)),
          dl,
          dPrev,
        };
      });
      du[i] = r.du as tf.Tensor2D;
      dw[i] = r.dw as tf.Tensor2D;
      dkHat[i] = r.dKh as tf.Tensor2D;
      dqHat[i] = r.dqh as tf.Tensor2D;
      dp[i] = r.dp as tf.Tensor2D;
      dLast[i] = r.dl as tf.Tensor2D;
      dS = r.dPrev as tf.Tensor2D;
    }
    dInitial.push(dS);
    tf.dispose([...starts.slice(1), ...us]);
  }
  // The sweeps' leaves are no longer needed: free them before the batched products.
  tf.dispose([
    dyChunks,
    qHatAll,
    kHatAll,
    ...dO,
    ...qHatT,
    ...kHat,
    ...kHatT,
    ...w,
    ...wT,
    ...uTilde,
    ...pT,
    ...last,
  ]);
  if (dFinalLeaves) tf.dispose(dFinalLeaves);

  // Batched over all chunks from here on.
  const stack = (parts: tf.Tensor[], rows: number, cols: number) =>
    tf.reshape(tf.concat(parts, 0), [m, rows, cols]) as tf.Tensor3D;
  const dU = stack(du, c, p);
  const dW = stack(dw, c, p);
  const dKHat = stack(dkHat, c, p);
  const dQHat = stack(dqHat, c, p);
  const dP = stack(dp, c, c);
  const dLastAll = stack(dLast, 1, 1);
  tf.dispose([...du, ...dw, ...dkHat, ...dqHat, ...dp, ...dLast]);

  // The UT solve X = T·R with X = [W, Ũ], R = diag(β)[diag(Γ)K, V]: dR = Tᵀ·dX, dA = −strictLower(dR·Xᵀ).
  const dX = splitLeading(tf.concat([dW, dU], 2) as tf.Tensor3D);
  const tT = splitLeading(tf.transpose(pr.t, [0, 2, 1]));
  const xT = splitLeading(tf.transpose(tf.concat([pr.w, pr.u], 2), [0, 2, 1]) as tf.Tensor3D);
  const dRParts: tf.Tensor2D[] = [];
  const dAParts: tf.Tensor2D[] = [];
  for (let i = 0; i < m; i++) {
    const dRi: tf.Tensor2D = tf.matMul(tT[i]!, dX[i]!);
    dRParts.push(dRi);
    dAParts.push(tf.matMul(dRi, xT[i]!));
  }
  const dR = stack(dRParts, c, 2 * p);
  const dA = tf.neg(stack(dAParts, c, c));
  tf.dispose([...dRParts, ...dAParts]);
  const dAStrict = tf.where(strictLowerMask(c), dA, tf.zerosLike(dA)) as tf.Tensor3D;
  const [dRW, dRV] = tf.unstack(tf.reshape(dR, [m, c, 2, p]), 2) as [tf.Tensor3D, tf.Tensor3D];

  // A = diag(β)(G ⊙ D_strict).
  const dAbeta = tf.mul(dAStrict, pr.beta);
  const dG = tf.mul(dAbeta, pr.strictMask);
  const dDA = tf.mul(dAbeta, pr.gram);
  // P = S ⊙ D.
  const dScores = tf.mul(dP, pr.decayMask);
  const dDP = tf.mul(dP, pr.scores);

  // Products of the masked c×c gradients with Q and K, per chunk: dQ += dS·K, dK += dSᵀ·Q + (dG + dGᵀ)·K.
  const dSLeaves = splitLeading(dScores as tf.Tensor3D);
  const dSTLeaves = splitLeading(tf.transpose(dScores, [0, 2, 1]) as tf.Tensor3D);
  const dGSym = splitLeading(tf.add(dG, tf.transpose(dG, [0, 2, 1])) as tf.Tensor3D);
  const qLeaves = splitLeading(pr.q);
  const kLeaves = splitLeading(pr.k);
  const dqParts: tf.Tensor2D[] = [];
  const dkParts: tf.Tensor2D[] = [];
  for (let i = 0; i < m; i++) {
    dqParts.push(tf.matMul(dSLeaves[i]!, kLeaves[i]!));
    dkParts.push(tf.add(tf.matMul(dSTLeaves[i]!, qLeaves[i]!), tf.matMul(dGSym[i]!, kLeaves[i]!)));
  }
  const dqProducts = stack(dqParts, c, p);
  const dkProducts = stack(dkParts, c, p);
  tf.dispose([...dqParts, ...dkParts]);

  const betaGamma = tf.mul(pr.beta, pr.gamma);
  const dq = tf.add(tf.mul(dQHat, pr.gamma), dqProducts);
  const dk = tf.add(tf.add(tf.mul(dKHat, pr.rho), dkProducts), tf.mul(dRW, betaGamma));
  const dv = tf.mul(dRV, pr.beta);
  const rowDot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b), 2, true) as tf.Tensor3D; // [m, c, 1]
  const kDotDRW = rowDot(pr.k, dRW);
  const dBeta = tf.add(
    tf.add(tf.mul(kDotDRW, pr.gamma), rowDot(pr.v, dRV)),
    tf.sum(tf.mul(tf.mul(dAStrict, pr.gram), pr.strictMask), 2, true),
  );
  // Log-decay path: g enters through D (dD ⊙ D: +rows, −columns), Γ = e^g, ρ = e^{g_last − g}, e^{g_last}.
  const e = tf.mul(tf.add(dDA, dDP), pr.decayMask) as tf.Tensor3D;
  const dGamma = tf.add(rowDot(pr.q, dQHat), tf.mul(kDotDRW, pr.beta)); // ∂L/∂Γ
  const rhoTerm = tf.mul(rowDot(pr.k, dKHat), pr.rho); // ρ·∂L/∂ρ
  let dg = tf.sub(tf.sum(e, 2), tf.sum(e, 1)); // [m, c]
  dg = tf.add(dg, tf.reshape(tf.sub(tf.mul(dGamma, pr.gamma), rhoTerm), [m, c]));
  const dgLast = tf.add(tf.sum(rhoTerm, 1), tf.reshape(dLastAll, [m, 1])); // [m, 1]
  const lastOneHot = tf.reshape(tf.oneHot(tf.tensor1d([c - 1], 'int32'), c), [1, c]);
  dg = tf.add(dg, tf.mul(dgLast, lastOneHot));
  // g = in-chunk cumsum of γ: dγ = reverse cumsum of dg.
  const dLogDecay = tf.reshape(tf.cumsum(dg, 1, false, true), [m, c, 1]) as tf.Tensor3D;

  const dInitialState = tf.reshape(tf.stack(dInitial), [batch, heads, p, p]);
  tf.dispose(dInitial);
  return [
    unchunk(pr, [dq], p),
    unchunk(pr, [dk], p),
    unchunk(pr, [dv], p),
    unchunkScalar(pr, dBeta as tf.Tensor3D),
    unchunkScalar(pr, dLogDecay),
    dInitialState,
  ];
}

function strictLowerMask(c: number): tf.Tensor2D {
  return tf.logicalAnd(
    tf.cast(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), 'bool'),
    tf.logicalNot(tf.cast(tf.eye(c), 'bool')),
  ) as tf.Tensor2D;
}
