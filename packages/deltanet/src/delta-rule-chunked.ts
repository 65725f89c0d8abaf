import * as tf from '@tensorflow/tfjs-core';
import { describeValue, isPositiveInteger } from '@tost/attention';
import { finiteOrZero, padSequence, sliceSequence, stackChunks, sweepStep, unstackChunks } from '@tost/ops';
import { unitLowerInverse } from './unit-lower-inverse.js';

/** Smallest and largest default chunk (`defaultChunkSize`). */
const MIN_DEFAULT_CHUNK = 8;
const MAX_DEFAULT_CHUNK = 64;

/**
 * Default tokens per chunk for head dimension p: p rounded up to a power of two, between 8 and 64. A chunk of c
 * tokens costs c×c products inside (and the UT transform's inverse, O(c³)) and one step of the [p, p] state sweep
 * across; c ≈ p balances the two (flash-linear-attention's DeltaNet kernels use c = 64 for heads of 64 to 128). Small
 * chunks also keep the per-chunk intermediates small, so short sequences fit in one segment.
 * @throws RangeError unless p is a positive integer.
 */
export function defaultChunkSize(p: number): number {
  if (!isPositiveInteger(p)) {
    throw new RangeError(
      `defaultChunkSize: argument 'p' (head dimension) must be a positive integer, got ${describeValue(p)}`,
    );
  }
  return Math.min(MAX_DEFAULT_CHUNK, Math.max(MIN_DEFAULT_CHUNK, nextPowerOfTwo(p)));
}

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
  /** Tokens per chunk c, a power of two (default `defaultChunkSize(p)`: p rounded up to a power of two, 8…64). */
  chunkSize?: number;
  /**
   * Tokens per segment (rounded up to whole chunks; default `defaultSegmentLength(batch·heads, c, p)`: 64 chunks,
   * fewer when batch·heads·segment·max(c, p) would exceed 2²¹ (8 MB), at least one chunk): longer sequences run
   * segment after segment with the memory carried across, forward and backward, so the chunk intermediates of one
   * segment only are alive at once — peak memory O(batch·heads·segment·(c + p + p²/c)) besides the O(N·p) inputs,
   * outputs and gradients. A sequence that fits in one segment is not recomputed in the backward pass.
   */
  segmentLength?: number;
}

/** Default segment: 64 chunks per sequence, … */
const DEFAULT_SEGMENT_CHUNKS = 64;
/** … and at most this many numbers in a per-token intermediate of width max(c, p), summed over batch·heads. */
const DEFAULT_SEGMENT_ELEMENTS = 1 << 21;

/**
 * Default tokens per segment of `chunkedDeltaRule` for `sequences` = batch·heads sequences in chunks of c tokens with
 * heads of dimension p: 64 chunks, fewer when the segment's per-token intermediates of width max(c, p) — the [c, c]
 * blocks of its chunks, and the [p, p] state the backward pass keeps per chunk (p/c numbers a token) — would pass 2²¹
 * numbers (8 MB) each; at least one chunk. A whole multiple of c.
 * @throws RangeError unless every argument is a positive integer.
 */
export function defaultSegmentLength(sequences: number, c: number, p: number): number {
  for (const [name, value] of [
    ['sequences', sequences],
    ['c', c],
    ['p', p],
  ] as const) {
    if (!isPositiveInteger(value)) {
      throw new RangeError(
        `defaultSegmentLength: argument '${name}' must be a positive integer, got ${describeValue(value)}`,
      );
    }
  }
  const chunks = Math.floor(DEFAULT_SEGMENT_ELEMENTS / (sequences * c * Math.max(c, p)));
  return c * Math.max(1, Math.min(DEFAULT_SEGMENT_CHUNKS, chunks));
}

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
 * after chunk, each step a few batched products over every (sample, head) at once ([B·H, c, p] × [B·H, p, p]), so
 * the number of kernels grows with the number of chunks only. Costs O(N·c·p + N·p²) time and O(N·(c + p)) memory
 * per head: never an [N, p, p] tensor.
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
  const [batch, heads, seq, p] = q.shape;
  const chunkSize = options.chunkSize ?? defaultChunkSize(p);
  validateChunkSize(chunkSize, 'chunkedDeltaRule');
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
  const segmentLength = options.segmentLength ?? defaultSegmentLength(batch * heads, c, p);
  if (!isPositiveInteger(segmentLength)) {
    throw new RangeError(
      `chunkedDeltaRule: option 'segmentLength' must be a positive integer, got ${describeValue(segmentLength)}`,
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
        const [output, state] = forwardSegments(xs, c, segment) as [tf.Tensor4D, tf.Tensor4D];
        return withFinal ? pack(output, state) : output;
      }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [dO, dState] = withFinal ? unpack(dy, seq, p) : [dy as tf.Tensor4D, undefined];
          return backwardSegments(saved, dO, dState, c, segment);
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

/** Per-token inputs [B, H, N, …] cut into segments of `length` tokens (the last zero-padded: inert). */
function segments(xs: tf.Tensor[], length: number): tf.Tensor[][] {
  const [b, h, n] = xs[0]!.shape as [number, number, number];
  const count = Math.ceil(n / length);
  const pieces = xs.map((t) => {
    const rest = t.shape.slice(3);
    const width = rest.reduce((x, y) => x * y, 1);
    // Segment i of every (sample, head) as one block-copy unstack of a [B·H, count, length·width] view.
    const parts = tf.unstack(
      tf.reshape(padSequence(t, count * length - n), [b * h, count, length * width]),
      1,
    );
    return parts.map((x) => tf.reshape(x, [b, h, length, ...rest]));
  });
  return Array.from({ length: count }, (_, i) => pieces.map((list) => list[i]!));
}

/** Segments along the sequence axis → one tensor [B, H, n, …]. */
function joinSegments(parts: tf.Tensor[], n: number): tf.Tensor {
  const full = tf.concat(parts, 2);
  return full.shape[2] === n ? full : sliceSequence(full, 0, n);
}

/**
 * Forward, every (sample, head) at once: segment after segment, carrying the memory (one segment when N ≤ `length`).
 * Returns [output, final memory].
 */
function forwardSegments(xs: tf.Tensor[], c: number, length: number): tf.Tensor[] {
  const n = xs[0]!.shape[2]!;
  if (n <= length) {
    const r = forward(prepare(xs, c));
    return [r.output, r.state];
  }
  let state = xs[5]!;
  const outputs: tf.Tensor[] = [];
  for (const seg of segments(xs.slice(0, 5), length)) {
    const r = tf.tidy(() => forward(prepare([...seg, state], c)));
    outputs.push(r.output);
    if (state !== xs[5]) state.dispose();
    tf.dispose(seg);
    state = r.state;
  }
  return [joinSegments(outputs, n), state];
}

/**
 * Backward, every (sample, head) at once: the memory at every segment's start by a forward sweep (one [B, H, p, p]
 * per segment), then the segments in reverse, each recomputed, carrying ∂L/∂(memory). Returns the gradients of the
 * six inputs.
 */
function backwardSegments(
  xs: tf.Tensor[],
  dO: tf.Tensor4D,
  dFinal: tf.Tensor4D | undefined,
  c: number,
  length: number,
): tf.Tensor[] {
  const n = xs[0]!.shape[2]!;
  if (n <= length) return backward(prepare(xs, c), dO, dFinal);
  const segs = segments(xs.slice(0, 5), length);
  const dOs = segments([dO], length).map((list) => list[0]!);
  const starts: tf.Tensor[] = [xs[5]!];
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
      `${label}: option 'chunkSize' must be a power of two (1, 2, 4, …, e.g. 32 or 64), got ${describeValue(chunkSize)}`,
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
  /** Initial states [B·H, p, p]. */
  initial: tf.Tensor3D;
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
    // S and G in one product per chunk, batched over all chunks: [Q; K]·Kᵀ.
    const products = tf.matMul(tf.concat([q, k], 1), tf.transpose(k, [0, 2, 1]));
    const [scores, gram] = tf.unstack(tf.reshape(products, [m, 2, c, c]), 1) as [tf.Tensor3D, tf.Tensor3D];
    const intra = tf.mul(scores, decayMask) as tf.Tensor3D;
    const a = tf.mul(tf.mul(gram, strictMask), beta) as tf.Tensor3D;
    const t = unitLowerInverse(a);
    const x = tf.matMul(t, tf.mul(tf.concat([tf.mul(k, gamma), v], 2), beta));
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
  const initial = tf.reshape(finiteOrZero(initial0), [batch * heads, p, p]) as tf.Tensor3D;
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

/** [m, c, x] (chunks of every (sample, head)) → [B, H, seq, x], the padding of the last chunk dropped. */
function unchunk(pr: Prepared, t: tf.Tensor, width: number): tf.Tensor4D {
  const full = tf.reshape(t, [pr.batch, pr.heads, pr.n * pr.c, width]) as tf.Tensor4D;
  return pr.n * pr.c === pr.seq ? full : sliceSequence(full, 0, pr.seq);
}

/** [m, c, 1] → [B, H, seq]. */
function unchunkScalar(pr: Prepared, t: tf.Tensor3D): tf.Tensor3D {
  return tf.reshape(unchunk(pr, t, 1), [pr.batch, pr.heads, pr.seq]) as tf.Tensor3D;
}

/** [m, r, s] → [m, s, r]. */
const swap = (t: tf.Tensor): tf.Tensor3D => tf.transpose(t as tf.Tensor3D, [0, 2, 1]);

/**
 * The chunk sweep, chunk after chunk with every (sample, head) at once: each step is a few [B·H, ·, ·] products.
 * Per chunk U = Ũ − W·S₀, O = Q̂·S₀ + P·U, S ← e^{g_c}·S₀ + K̂ᵀ·U (Q̂ = diag(Γ)Q, K̂ = diag(Γ_c/Γ)K).
 */
function forward(pr: Prepared): { output: tf.Tensor4D; state: tf.Tensor4D } {
  const sequences = pr.batch * pr.heads;
  const [qHat, kHatT, w, u, p, last] = tf.tidy(() =>
    [tf.mul(pr.q, pr.gamma), swap(tf.mul(pr.k, pr.rho)), pr.w, pr.u, pr.intra, pr.lastDecay].map((t) =>
      unstackChunks(t, sequences),
    ),
  ) as tf.Tensor3D[][];
  const outs: tf.Tensor[] = [];
  let state = pr.initial;
  for (let j = 0; j < pr.n; j++) {
    const r = sweepStep(j === 0 ? undefined : state, () => {
      const uj = tf.sub(u[j]!, tf.matMul(w[j]!, state));
      const o = tf.add(tf.matMul(qHat[j]!, state), tf.matMul(p[j]!, uj));
      const next = tf.add(tf.mul(state, last[j]!), tf.matMul(kHatT[j]!, uj));
      return { o, next };
    });
    outs.push(r.o);
    state = r.next as tf.Tensor3D;
  }
  const output = unchunk(pr, stackChunks(outs), pr.p);
  const stateOut = tf.reshape(state, [pr.batch, pr.heads, pr.p, pr.p]) as tf.Tensor4D;
  return { output, state: stateOut };
}

function backward(pr: Prepared, dy: tf.Tensor4D, dFinal: tf.Tensor4D | undefined): tf.Tensor[] {
  const { batch, heads, n, c, p } = pr;
  const sequences = batch * heads;
  const m = sequences * n;
  const pad = n * c - pr.seq;
  // Chunk j of every (sample, head), for the sweeps; the whole products and transposes are freed once split.
  const [dO, qHatT, kHat, kHatT, w, wT, uTilde, pT, last] = tf.tidy(() => {
    const dyChunks = tf.reshape(padSequence(dy, pad), [m, c, p]);
    const qHat = tf.mul(pr.q, pr.gamma);
    const kHatAll = tf.mul(pr.k, pr.rho);
    return [
      dyChunks,
      swap(qHat),
      kHatAll,
      swap(kHatAll),
      pr.w,
      swap(pr.w),
      pr.u,
      swap(pr.intra),
      pr.lastDecay,
    ].map((t) => unstackChunks(t, sequences));
  }) as tf.Tensor3D[][];

  // Forward sweep: the state at the start of every chunk, and U.
  const starts: tf.Tensor3D[] = [pr.initial];
  const us: tf.Tensor3D[] = [];
  for (let j = 0; j < n; j++) {
    const s0 = starts[j]!;
    const r = tf.tidy(() => {
      const uj = tf.sub(uTilde[j]!, tf.matMul(w[j]!, s0)) as tf.Tensor3D;
      const next = j < n - 1 ? tf.add(tf.mul(s0, last[j]!), tf.matMul(kHatT[j]!, uj)) : undefined;
      return { uj, next };
    });
    us.push(r.uj);
    if (r.next) starts.push(r.next as tf.Tensor3D);
  }
  // Reverse sweep carrying dS = ∂L/∂(state after chunk j).
  const du: tf.Tensor[] = new Array(n);
  const dw: tf.Tensor[] = new Array(n);
  const dkHat: tf.Tensor[] = new Array(n);
  const dqHat: tf.Tensor[] = new Array(n);
  const dp: tf.Tensor[] = new Array(n);
  const dLast: tf.Tensor[] = new Array(n);
  let dS: tf.Tensor3D = dFinal
    ? (tf.reshape(dFinal, [sequences, p, p]) as tf.Tensor3D)
    : (tf.zeros([sequences, p, p]) as tf.Tensor3D);
  for (let j = n - 1; j >= 0; j--) {
    const s0 = starts[j]!;
    const uj = us[j]!;
    const r = sweepStep(dS, () => {
      const dOj = dO[j]!;
      const duj = tf.add(tf.matMul(pT[j]!, dOj), tf.matMul(kHat[j]!, dS));
      const dKh = tf.matMul(uj, swap(dS));
      const dl = tf.mul(tf.sum(tf.mul(s0, dS), [1, 2], true), last[j]!);
      const dPrev = tf.sub(tf.add(tf.matMul(qHatT[j]!, dOj), tf.mul(dS, last[j]!)), tf.matMul(wT[j]!, duj));
      const s0T = swap(s0);
      return {
        du: duj,
        dw: tf.neg(tf.matMul(duj, s0T)),
        dKh,
        dqh: tf.matMul(dOj, s0T),
        dp: tf.matMul(dOj, swap(uj)),
        dl,
        dPrev,
      };
    });
    du[j] = r.du;
    dw[j] = r.dw;
    dkHat[j] = r.dKh;
    dqHat[j] = r.dqh;
    dp[j] = r.dp;
    dLast[j] = r.dl;
    dS = r.dPrev as tf.Tensor3D;
  }
  // The sweeps' leaves are no longer needed: free them before the batched products.
  tf.dispose([
    ...starts.slice(1),
    ...us,
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

  // Batched over all chunks from here on.
  const dU = stackChunks(du);
  const dW = stackChunks(dw);
  const dKHat = stackChunks(dkHat);
  const dQHat = stackChunks(dqHat);
  const dP = stackChunks(dp);
  const dLastAll = stackChunks(dLast);
  tf.dispose([...du, ...dw, ...dkHat, ...dqHat, ...dp, ...dLast]);

  // The UT solve X = T·R with X = [W, Ũ], R = diag(β)[diag(Γ)K, V]: dR = Tᵀ·dX, dA = −strictLower(dR·Xᵀ).
  const dR = tf.matMul(swap(pr.t), tf.concat([dW, dU], 2));
  const dA = tf.neg(tf.matMul(dR, swap(tf.concat([pr.w, pr.u], 2))));
  const dAStrict = tf.where(strictLowerMask(c), dA, tf.zerosLike(dA)) as tf.Tensor3D;
  const [dRW, dRV] = tf.unstack(tf.reshape(dR, [m, c, 2, p]), 2) as [tf.Tensor3D, tf.Tensor3D];

  // A = diag(β)(G ⊙ D_strict).
  const dAbeta = tf.mul(dAStrict, pr.beta);
  const dG = tf.mul(dAbeta, pr.strictMask);
  const dDA = tf.mul(dAbeta, pr.gram);
  // P = S ⊙ D.
  const dScores = tf.mul(dP, pr.decayMask);
  const dDP = tf.mul(dP, pr.scores);

  // Products of the masked c×c gradients with Q and K, all chunks at once: dQ += dS·K, dK += dSᵀ·Q + (dG + dGᵀ)·K.
  const dqProducts = tf.matMul(dScores, pr.k);
  const dkProducts = tf.add(tf.matMul(swap(dScores), pr.q), tf.matMul(tf.add(dG, swap(dG)), pr.k));

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

  const dInitialState = tf.reshape(dS, [batch, heads, p, p]);
  return [
    unchunk(pr, dq, p),
    unchunk(pr, dk, p),
    unchunk(pr, dv, p),
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
