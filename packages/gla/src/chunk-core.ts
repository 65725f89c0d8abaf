import * as tf from '@tensorflow/tfjs-core';
import { stackChunks, sweepStep, unstackChunks } from '@tost/ops';

/**
 * The sequential part of chunk-wise Gated Linear Attention (Yang et al., arXiv 2312.06635, §4.2–4.3), for inputs that
 * already carry their gate factors. Per sequence (sample·head) and chunk of c tokens, with q̃ = q ⊙ e^{G},
 * k̂ = k ⊙ e^{Λ−G} and λ = e^{Λ} (G the cumulative log gate inside the chunk, Λ its last row; all factors ≤ 1) and
 * the intra-chunk scores A (c×c, lower triangular, A_ts = Σ_d q_td·k_sd·e^{G_td − G_sd} for s ≤ t):
 *
 *   O = A·v + q̃·S    (S [p, p] = the state entering the chunk)
 *   S ← diag(λ)·S + k̂ᵀ·v
 *
 * Inputs: `qTilde`, `kHat`, `v` [m·n, c, p] (m sequences of n chunks, chunk-major inside a sequence), `scores`
 * [m·n, c, c], `lambda` [m·n, 1, p], `initial` [m, p, p]. Output: one flat tensor, the outputs [m·n·c·p] followed by
 * the final states [m·p·p] (tf.customGrad has one output; `unpackChunkCore` splits it).
 *
 * The state-independent products (A·v, and in the gradient tril(dO·vᵀ) and Aᵀ·dO) run for all chunks at once; the
 * sweep runs chunk after chunk, each step one batched product per term over all m sequences ([m, c, p] × [m, p, p]),
 * so the number of kernels grows with n only, not with m.
 *
 * Gradient (hand-written, so no [N, p, p] tensor and no per-token state exists; saves only the inputs): a forward
 * sweep rebuilds the chunk-entry states (every chunk when c ≥ p — n·p² ≤ N·p values per sequence —, else every
 * ⌈p/c⌉-th chunk, the rest recomputed per segment), then a reverse sweep with P = ∂L/∂(state after the chunk):
 *   dA = tril(dO·vᵀ), dv = Aᵀ·dO + k̂·P, dq̃ = dO·Sᵀ, dk̂ = v·Pᵀ,
 *   dλ = rowsum(S ⊙ P), P ← diag(λ)·P + q̃ᵀ·dO (→ the initial state's gradient after the first chunk).
 * Memory O(N·p + c² + p²) per sequence beyond the inputs; every chunk step runs in its own tidy.
 */
export function chunkCore(
  qTilde: tf.Tensor3D,
  scores: tf.Tensor3D,
  kHat: tf.Tensor3D,
  lambda: tf.Tensor3D,
  v: tf.Tensor3D,
  initial: tf.Tensor3D,
): tf.Tensor1D {
  return chunkCoreOp(qTilde, scores, kHat, lambda, v, initial);
}

/** Splits `chunkCore`'s flat output into outputs [m·n·c, p] and final states [m, p, p]. */
export function unpackChunkCore(
  packed: tf.Tensor1D,
  tokens: number,
  sequences: number,
  p: number,
): { output: tf.Tensor2D; state: tf.Tensor3D } {
  return tf.tidy(() => {
    const [o, s] = tf.split(packed, [tokens * p, sequences * p * p]);
    return {
      output: tf.reshape(o!, [tokens, p]) as tf.Tensor2D,
      state: tf.reshape(s!, [sequences, p, p]) as tf.Tensor3D,
    };
  });
}

/** The inputs, whole ([m·n, ·, ·], sequence by sequence) and their sizes. */
interface Inputs {
  m: number;
  n: number;
  c: number;
  p: number;
  q: tf.Tensor3D;
  /** The intra-chunk scores A [m·n, c, c] (not needed by the reverse sweep: `chunkCoreSweepGradients`). */
  scores?: tf.Tensor3D;
  kHat: tf.Tensor3D;
  lambda: tf.Tensor3D;
  v: tf.Tensor3D;
  initial: tf.Tensor3D;
}

function sized(inputs: readonly (tf.Tensor | undefined)[]): Inputs {
  const [q, scores, kHat, lambda, v, initial] = inputs as (tf.Tensor3D | undefined)[];
  const [chunks, c, p] = q!.shape;
  const m = initial!.shape[0];
  return { m, n: chunks / m, c, p, q: q!, scores, kHat: kHat!, lambda: lambda!, v: v!, initial: initial! };
}

/** [.., r, s] → [.., s, r]. */
const swap = (t: tf.Tensor3D): tf.Tensor3D => tf.transpose(t, [0, 2, 1]);

/** `chunkCore`'s value for its inputs (qTilde, scores, kHat, lambda, v, initial); no gradient is recorded. */
export function chunkCoreForward(inputs: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => forward(sized(inputs)));
}

function forward(x: Inputs): tf.Tensor1D {
  const { m, n, p } = x;
  const q = unstackChunks(x.q, m);
  const v = unstackChunks(x.v, m);
  const kHatT = unstackChunks(swap(x.kHat), m);
  // λ as a column [m, p, 1]: it scales the rows of S (the key channels).
  const lambdaColumn = unstackChunks(tf.reshape(x.lambda, [m * n, p, 1]), m);
  const inter: tf.Tensor[] = [];
  let state = x.initial;
  for (let j = 0; j < n; j++) {
    const r = sweepStep(j === 0 ? undefined : state, () => {
      return {
        o: tf.matMul(q[j]!, state),
        next: tf.add(tf.mul(state, lambdaColumn[j]!), tf.matMul(kHatT[j]!, v[j]!)),
      };
    });
    inter.push(r.o);
    state = r.next as tf.Tensor3D;
  }
  const output = tf.add(tf.matMul(x.scores!, x.v), stackChunks(inter));
  return tf.concat([tf.reshape(output, [-1]), tf.reshape(state, [-1])]) as tf.Tensor1D;
}

/** The reverse sweep's share of `chunkCore`'s gradient (`chunkCoreSweepGradients`). */
export type ChunkCoreSweepGradients = {
  /** ∂L/∂q̃, ∂L/∂k̂ [m·n, c, p], ∂L/∂λ [m·n, 1, p], ∂L/∂(initial state) [m, p, p]. */
  dqTilde: tf.Tensor3D;
  dkHat: tf.Tensor3D;
  dLambda: tf.Tensor3D;
  dInitial: tf.Tensor3D;
  /** Pᵀ·k̂ᵀ, the state's share of ∂L/∂vᵀ [m·n, p, c] (the rest is dOᵀ·A). */
  dvTState: tf.Tensor3D;
  /** The output gradient dO [m·n, c, p]. */
  dO: tf.Tensor3D;
};

/**
 * The part of `chunkCore`'s gradient that needs the reverse sweep, for its inputs (the scores A may be omitted: the
 * sweep does not read them) and the flat output gradient `dy`; the rest, dA = tril(dO·vᵀ) and dv += Aᵀ·dO, needs no
 * state (`chunkCore`'s own gradient adds it). The sweep carries the transposed state Sᵀ and the transposed state gradient
 * Pᵀ, and produces dvᵀ, so that every product in it is an untransposed matMul.
 */
export function chunkCoreSweepGradients(
  inputs: readonly (tf.Tensor | undefined)[],
  dy: tf.Tensor1D,
): ChunkCoreSweepGradients {
  return tf.tidy(() => sweepGradients(sized(inputs), dy));
}

function sweepGradients(x: Inputs, dy: tf.Tensor1D): ChunkCoreSweepGradients {
  const { m, n, c, p } = x;
  const { output: dOut, state: dFinal } = unpackChunkCore(dy, m * n * c, m, p);
  const dOAll = tf.reshape(dOut, [m * n, c, p]) as tf.Tensor3D;
  // Chunk j of every sequence; the whole transposes are freed once split.
  const [q, kHat, v, vT, kHatT, dO, dOT] = tf.tidy(() =>
    [x.q, x.kHat, x.v, swap(x.v), swap(x.kHat), dOAll, swap(dOAll)].map((t) => unstackChunks(t, m)),
  ) as tf.Tensor3D[][];
  const lambdaRow = unstackChunks(x.lambda, m);
  // Checkpoint the entering state every `every` chunks: every chunk when c ≥ p (n·p² ≤ N·p values per sequence).
  const every = Math.max(1, Math.ceil(p / c));
  const dq: tf.Tensor[] = new Array(n);
  const dkHat: tf.Tensor[] = new Array(n);
  const dLambda: tf.Tensor[] = new Array(n);
  const dvTState: tf.Tensor[] = new Array(n);
  /** Sᵀ after chunk j: Sᵀ·diag(λ) + vᵀ·k̂. */
  const advanceT = (j: number, stateT: tf.Tensor3D) =>
    tf.add(tf.mul(stateT, lambdaRow[j]!), tf.matMul(vT[j]!, kHat[j]!)) as tf.Tensor3D;
  const checkpoints: tf.Tensor3D[] = [];
  let stateT = swap(x.initial);
  for (let j = 0; j < n; j++) {
    if (j % every === 0) checkpoints.push(tf.clone(stateT));
    if (j < n - 1) stateT = sweepStep(stateT, () => advanceT(j, stateT));
  }
  stateT.dispose();
  let gradT = swap(dFinal);
  for (let segment = checkpoints.length - 1; segment >= 0; segment--) {
    const start = segment * every;
    const end = Math.min(n, start + every);
    // The entering states of this segment's chunks, recomputed from its checkpoint.
    const statesT: tf.Tensor3D[] = [checkpoints[segment]!];
    for (let j = start + 1; j < end; j++) {
      statesT.push(tf.tidy(() => advanceT(j - 1, statesT[statesT.length - 1]!)));
    }
    for (let j = end - 1; j >= start; j--) {
      const ST = statesT[j - start]!;
      const PT = gradT;
      const r = sweepStep(PT, () => {
        return {
          dq: tf.matMul(dO[j]!, ST),
          dkHat: tf.matMul(v[j]!, PT),
          dLambda: tf.sum(tf.mul(ST, PT), 1, true),
          dvT: tf.matMul(PT, kHatT[j]!),
          next: tf.add(tf.mul(PT, lambdaRow[j]!), tf.matMul(dOT[j]!, q[j]!)),
        };
      });
      dq[j] = r.dq;
      dkHat[j] = r.dkHat;
      dLambda[j] = r.dLambda;
      dvTState[j] = r.dvT;
      gradT = r.next as tf.Tensor3D;
    }
    tf.dispose(statesT);
  }
  return {
    dqTilde: stackChunks(dq),
    dkHat: stackChunks(dkHat),
    dLambda: stackChunks(dLambda),
    dInitial: swap(gradT),
    dvTState: stackChunks(dvTState),
    dO: dOAll,
  };
}

/** dA = tril(dO·vᵀ), a select (a non-finite product above the diagonal cannot leak as 0·NaN); [r, c, c]. */
export function scoreGradient(dO: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const product = tf.matMul(dO, swap(v));
    const c = dO.shape[1];
    const lower = tf.cast(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), 'bool');
    return tf.where(lower, product, tf.zerosLike(product)) as tf.Tensor3D;
  });
}

/** The reverse sweep, then the state-independent terms for all chunks at once: dA and dvᵀ = dOᵀ·A + Pᵀ·k̂ᵀ. */
function backward(x: Inputs, dy: tf.Tensor1D): tf.Tensor[] {
  const g = sweepGradients(x, dy);
  const dvT = tf.add(tf.matMul(swap(g.dO), x.scores!), g.dvTState) as tf.Tensor3D;
  return [g.dqTilde, scoreGradient(g.dO, x.v), g.dkHat, g.dLambda, swap(dvT), g.dInitial];
}

const chunkCoreOp = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const save = args.pop() as tf.GradSaveFunc;
  const inputs = args as tf.Tensor[];
  save(inputs);
  return {
    value: tf.tidy(() => forward(sized(inputs))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(sized(saved), dy as tf.Tensor1D)),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor1D;
