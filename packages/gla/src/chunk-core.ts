import * as tf from '@tensorflow/tfjs-core';

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
 * Gradient (hand-written, so no [N, p, p] tensor and no per-token state exists; saves only the inputs): per sequence a
 * forward sweep rebuilds the chunk-entry states (every chunk when c ≥ p — n·p² ≤ N·p values —, else every ⌈p/c⌉-th
 * chunk, the rest recomputed per segment), then a reverse sweep with P = ∂L/∂(state after the chunk):
 *   dA = tril(dO·vᵀ), dv = Aᵀ·dO + k̂·P, dq̃ = dO·Sᵀ, dk̂ = v·Pᵀ,
 *   dλ = rowsum(S ⊙ P), P ← diag(λ)·P + q̃ᵀ·dO (→ the initial state's gradient after the first chunk).
 * Memory O(N·p + c² + p²) beyond the inputs; every chunk step runs in its own tidy.
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

interface Leaves {
  m: number;
  n: number;
  c: number;
  p: number;
  q: tf.Tensor2D[];
  /** The intra-chunk scores A [c, c]. */
  scores: tf.Tensor2D[];
  kHat: tf.Tensor2D[];
  v: tf.Tensor2D[];
  /** Transposed copies [p, c] (made in one pass over all chunks, so no chunk step transposes anything). */
  kHatT: tf.Tensor2D[];
  vT: tf.Tensor2D[];
  /** λ as a column [p, 1] (scales the rows of S = key channels) and as a row [1, p] (the columns of Sᵀ). */
  lambdaColumn: tf.Tensor2D[];
  lambdaRow: tf.Tensor2D[];
  initial: tf.Tensor2D[];
  /** Lower-triangular (j ≤ i) bool mask [c, c] and zeros [c, c] for the selects. */
  tril: tf.Tensor2D;
  zeros: tf.Tensor2D;
}

function leaves(inputs: readonly tf.Tensor[]): Leaves {
  const [q, scores, kHat, lambda, v, initial] = inputs as tf.Tensor3D[];
  const [chunks, c, p] = q!.shape;
  const m = initial!.shape[0];
  const split = (t: tf.Tensor) => tf.unstack(t) as tf.Tensor2D[];
  // The transposed whole is freed as soon as it is split.
  const transposed = (t: tf.Tensor3D) => tf.tidy(() => split(tf.transpose(t, [0, 2, 1])));
  return {
    m,
    n: chunks / m,
    c,
    p,
    q: split(q!),
    scores: split(scores!),
    kHat: split(kHat!),
    v: split(v!),
    kHatT: transposed(kHat!),
    vT: transposed(v!),
    lambdaColumn: split(tf.reshape(lambda!, [chunks, p, 1])),
    lambdaRow: split(lambda!),
    initial: split(initial!),
    tril: tf.cast(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), 'bool') as tf.Tensor2D,
    zeros: tf.zeros([c, c]),
  };
}

/** tril(a·b) as a select, so that a non-finite product above the diagonal cannot leak as 0·NaN. */
function lowerProduct(L: Leaves, a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.where(L.tril, tf.matMul(a, b), L.zeros) as tf.Tensor2D;
}

/** Runs `step` in its own tidy and disposes `previous` (the carried tensor it replaces) afterwards. */
function sweep<T extends tf.TensorContainer>(previous: tf.Tensor | undefined, step: () => T): T {
  const result = tf.tidy(step);
  previous?.dispose();
  return result;
}

/** `chunkCore`'s value for its inputs (qTilde, scores, kHat, lambda, v, initial); no gradient is recorded. */
export function chunkCoreForward(inputs: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => forward(leaves(inputs)));
}

/** `chunkCore`'s gradients w.r.t. its six inputs, for the flat output gradient `dy`. */
export function chunkCoreBackward(inputs: readonly tf.Tensor[], dy: tf.Tensor1D): tf.Tensor[] {
  return tf.tidy(() => backward(leaves(inputs), dy));
}

function forward(L: Leaves): tf.Tensor1D {
  const outputs: tf.Tensor[] = [];
  const finals: tf.Tensor[] = [];
  for (let s = 0; s < L.m; s++) {
    let state: tf.Tensor2D = tf.clone(L.initial[s]!);
    for (let j = 0; j < L.n; j++) {
      const i = s * L.n + j;
      const r = sweep(state, () => {
        const intra = tf.matMul(L.scores[i]!, L.v[i]!);
        return {
          o: tf.add(intra, tf.matMul(L.q[i]!, state)),
          next: tf.add(tf.mul(state, L.lambdaColumn[i]!), tf.matMul(L.kHatT[i]!, L.v[i]!)),
        };
      });
      outputs.push(tf.reshape(r.o, [-1]));
      r.o.dispose();
      state = r.next as tf.Tensor2D;
    }
    finals.push(tf.reshape(state, [-1]));
    state.dispose();
  }
  return tf.concat([...outputs, ...finals]) as tf.Tensor1D;
}

/**
 * The reverse sweep carries the transposed state Sᵀ and the transposed state gradient Pᵀ, and produces dvᵀ
 * (transposed back in one pass at the end), so that every product in it is an untransposed 2-D matMul.
 */
function backward(L: Leaves, dy: tf.Tensor1D): tf.Tensor[] {
  const { m, n, c, p } = L;
  const { output: dOut, state: dFinal } = unpackChunkCore(dy, m * n * c, m, p);
  const dOChunks = tf.reshape(dOut, [m * n, c, p]);
  const dO = tf.unstack(dOChunks) as tf.Tensor2D[];
  const dOT = tf.unstack(tf.transpose(dOChunks, [0, 2, 1])) as tf.Tensor2D[];
  const dFinalsT = tf.unstack(tf.transpose(dFinal, [0, 2, 1])) as tf.Tensor2D[];
  // Checkpoint the entering state every `every` chunks: every chunk when c ≥ p (n·p² ≤ N·p values per sequence).
  const every = Math.max(1, Math.ceil(p / c));
  const dq: tf.Tensor[] = new Array(m * n);
  const dScoresAll: tf.Tensor[] = new Array(m * n);
  const dkHat: tf.Tensor[] = new Array(m * n);
  const dLambda: tf.Tensor[] = new Array(m * n);
  const dvT: tf.Tensor[] = new Array(m * n);
  const dInitialT: tf.Tensor[] = [];
  /** Sᵀ after chunk i: Sᵀ·diag(λ) + vᵀ·k̂. */
  const advanceT = (i: number, stateT: tf.Tensor2D) =>
    tf.add(tf.mul(stateT, L.lambdaRow[i]!), tf.matMul(L.vT[i]!, L.kHat[i]!)) as tf.Tensor2D;
  for (let s = 0; s < m; s++) {
    const checkpoints: tf.Tensor2D[] = [];
    let stateT: tf.Tensor2D = tf.transpose(L.initial[s]!);
    for (let j = 0; j < n; j++) {
      if (j % every === 0) checkpoints.push(tf.clone(stateT));
      if (j < n - 1) stateT = sweep(stateT, () => advanceT(s * n + j, stateT));
    }
    stateT.dispose();
    let gradT: tf.Tensor2D = tf.clone(dFinalsT[s]!);
    for (let segment = checkpoints.length - 1; segment >= 0; segment--) {
      const start = segment * every;
      const end = Math.min(n, start + every);
      // The entering states of this segment's chunks, recomputed from its checkpoint.
      const statesT: tf.Tensor2D[] = [checkpoints[segment]!];
      for (let j = start + 1; j < end; j++) {
        statesT.push(tf.tidy(() => advanceT(s * n + j - 1, statesT[statesT.length - 1]!)));
      }
      for (let j = end - 1; j >= start; j--) {
        const i = s * n + j;
        const ST = statesT[j - start]!;
        const PT = gradT;
        const r = sweep(PT, () => {
          return {
            dq: tf.matMul(dO[i]!, ST),
            dScores: lowerProduct(L, dO[i]!, L.vT[i]!), // dA = tril(dO·vᵀ)
            dkHat: tf.matMul(L.v[i]!, PT),
            dLambda: tf.sum(tf.mul(ST, PT), 0, true),
            dvT: tf.add(tf.matMul(dOT[i]!, L.scores[i]!), tf.matMul(PT, L.kHatT[i]!)),
            next: tf.add(tf.mul(PT, L.lambdaRow[i]!), tf.matMul(dOT[i]!, L.q[i]!)),
          };
        });
        dq[i] = r.dq;
        dScoresAll[i] = r.dScores;
        dkHat[i] = r.dkHat;
        dLambda[i] = r.dLambda;
        dvT[i] = r.dvT;
        gradT = r.next as tf.Tensor2D;
      }
      tf.dispose(statesT);
    }
    dInitialT.push(gradT);
  }
  const back = (parts: tf.Tensor[]) => tf.transpose(tf.stack(parts), [0, 2, 1]);
  return [tf.stack(dq), tf.stack(dScoresAll), tf.stack(dkHat), tf.stack(dLambda), back(dvT), back(dInitialT)];
}

const chunkCoreOp = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const save = args.pop() as tf.GradSaveFunc;
  const inputs = args as tf.Tensor[];
  save(inputs);
  return {
    value: tf.tidy(() => forward(leaves(inputs))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(leaves(saved), dy as tf.Tensor1D)),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor1D;
