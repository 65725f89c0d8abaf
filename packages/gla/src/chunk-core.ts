import * as tf from '@tensorflow/tfjs-core';

/**
 * The sequential part of chunk-wise Gated Linear Attention (Yang et al., arXiv 2312.06635, §4.2–4.3), for inputs that
 * already carry their gate factors. Per sequence (sample·head) and chunk of c tokens, with q̃ = q ⊙ e^{G},
 * k̃ = k ⊙ e^{−G}, k̂ = k ⊙ e^{Λ−G} and λ = e^{Λ} (G the cumulative log gate inside the chunk, Λ its last row):
 *
 *   A = tril(q̃·k̃ᵀ)   (c×c, the intra-chunk part)
 *   O = A·v + q̃·S    (S [p, p] = the state entering the chunk)
 *   S ← diag(λ)·S + k̂ᵀ·v
 *
 * Inputs: `qTilde`, `kTilde`, `kHat`, `v` [m·n, c, p] (m sequences of n chunks, chunk-major inside a sequence),
 * `lambda` [m·n, 1, p], `initial` [m, p, p]. Output: one flat tensor, the outputs [m·n·c·p] followed by the final
 * states [m·p·p] (tf.customGrad has one output; `unpackChunkCore` splits it).
 *
 * Gradient (hand-written, so no [N, p, p] tensor and no per-token state exists; saves only the inputs): per sequence a
 * forward sweep rebuilds the chunk-entry states (every chunk when c ≥ p — n·p² ≤ N·p values —, else every ⌈p/c⌉-th
 * chunk, the rest recomputed per segment), then a reverse sweep with P = ∂L/∂(state after the chunk):
 *   dA = tril(dO·vᵀ), dv = Aᵀ·dO + k̂·P, dq̃ = dA·k̃ + dO·Sᵀ, dk̃ = dAᵀ·q̃, dk̂ = v·Pᵀ,
 *   dλ = rowsum(S ⊙ P), P ← diag(λ)·P + q̃ᵀ·dO (→ the initial state's gradient after the first chunk).
 * Memory O(N·p + c² + p²) beyond the inputs; every chunk step runs in its own tidy.
 */
export function chunkCore(
  qTilde: tf.Tensor3D,
  kTilde: tf.Tensor3D,
  kHat: tf.Tensor3D,
  lambda: tf.Tensor3D,
  v: tf.Tensor3D,
  initial: tf.Tensor3D,
): tf.Tensor1D {
  return chunkCoreOp(qTilde, kTilde, kHat, lambda, v, initial);
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
  k: tf.Tensor2D[];
  kHat: tf.Tensor2D[];
  /** λ as a column [p, 1] (scales the state's rows = key channels). */
  lambda: tf.Tensor2D[];
  v: tf.Tensor2D[];
  initial: tf.Tensor2D[];
  tril: tf.Tensor2D;
}

function leaves(inputs: tf.Tensor[]): Leaves {
  const [q, k, kHat, lambda, v, initial] = inputs as tf.Tensor3D[];
  const [chunks, c, p] = q!.shape;
  const m = initial!.shape[0];
  const lambdaColumns = tf.reshape(lambda!, [chunks, p, 1]) as tf.Tensor3D;
  return {
    m,
    n: chunks / m,
    c,
    p,
    q: tf.unstack(q!) as tf.Tensor2D[],
    k: tf.unstack(k!) as tf.Tensor2D[],
    kHat: tf.unstack(kHat!) as tf.Tensor2D[],
    lambda: tf.unstack(lambdaColumns) as tf.Tensor2D[],
    v: tf.unstack(v!) as tf.Tensor2D[],
    initial: tf.unstack(initial!) as tf.Tensor2D[],
    tril: tf.cast(tf.linalg.bandPart(tf.ones([c, c]), -1, 0), 'bool') as tf.Tensor2D,
  };
}

/** tril(a·bᵀ) as a select, so that a non-finite product above the diagonal cannot leak as 0·NaN. */
function lowerProduct(a: tf.Tensor2D, b: tf.Tensor2D, tril: tf.Tensor2D): tf.Tensor2D {
  const full = tf.matMul(a, b, false, true);
  return tf.where(tril, full, tf.zerosLike(full)) as tf.Tensor2D;
}

/** The state after chunk i: diag(λ)·S + k̂ᵀ·v. */
function advance(L: Leaves, i: number, state: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(state, L.lambda[i]!), tf.matMul(L.kHat[i]!, L.v[i]!, true, false)) as tf.Tensor2D;
}

/** Runs `step` in its own tidy and disposes `previous` (the carried tensor it replaces) afterwards. */
function sweep<T extends tf.TensorContainer>(previous: tf.Tensor | undefined, step: () => T): T {
  const result = tf.tidy(step);
  previous?.dispose();
  return result;
}

function forward(L: Leaves): tf.Tensor1D {
  const outputs: tf.Tensor[] = [];
  const finals: tf.Tensor[] = [];
  for (let s = 0; s < L.m; s++) {
    let state: tf.Tensor2D = tf.clone(L.initial[s]!);
    for (let j = 0; j < L.n; j++) {
      const i = s * L.n + j;
      const r = sweep(state, () => {
        const intra = tf.matMul(lowerProduct(L.q[i]!, L.k[i]!, L.tril), L.v[i]!);
        const o = tf.add(intra, tf.matMul(L.q[i]!, state));
        return { o, next: advance(L, i, state) };
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

function backward(L: Leaves, dy: tf.Tensor1D): tf.Tensor[] {
  const { m, n, c, p } = L;
  const { output: dOut, state: dFinal } = unpackChunkCore(dy, m * n * c, m, p);
  const dO = tf.unstack(tf.reshape(dOut, [m * n, c, p])) as tf.Tensor2D[];
  const dFinals = tf.unstack(dFinal) as tf.Tensor2D[];
  // Checkpoint the entering state every `every` chunks: every chunk when c ≥ p (n·p² ≤ N·p values per sequence).
  const every = Math.max(1, Math.ceil(p / c));
  const dq: tf.Tensor[] = new Array(m * n);
  const dk: tf.Tensor[] = new Array(m * n);
  const dkHat: tf.Tensor[] = new Array(m * n);
  const dLambda: tf.Tensor[] = new Array(m * n);
  const dv: tf.Tensor[] = new Array(m * n);
  const dInitial: tf.Tensor[] = [];
  for (let s = 0; s < m; s++) {
    const checkpoints: tf.Tensor2D[] = [];
    let state: tf.Tensor2D = tf.clone(L.initial[s]!);
    for (let j = 0; j < n; j++) {
      if (j % every === 0) checkpoints.push(tf.clone(state));
      if (j < n - 1) state = sweep(state, () => advance(L, s * n + j, state));
    }
    state.dispose();
    let grad: tf.Tensor2D = tf.clone(dFinals[s]!);
    for (let segment = checkpoints.length - 1; segment >= 0; segment--) {
      const start = segment * every;
      const end = Math.min(n, start + every);
      // The entering states of this segment's chunks, recomputed from its checkpoint.
      const states: tf.Tensor2D[] = [checkpoints[segment]!];
      for (let j = start + 1; j < end; j++) {
        states.push(tf.tidy(() => advance(L, s * n + j - 1, states[states.length - 1]!)));
      }
      for (let j = end - 1; j >= start; j--) {
        const i = s * n + j;
        const S = states[j - start]!;
        const P = grad;
        const r = sweep(P, () => {
          const dOi = dO[i]!;
          const scores = lowerProduct(L.q[i]!, L.k[i]!, L.tril);
          const dScores = lowerProduct(dOi, L.v[i]!, L.tril);
          return {
            dq: tf.add(tf.matMul(dScores, L.k[i]!), tf.matMul(dOi, S, false, true)),
            dk: tf.matMul(dScores, L.q[i]!, true, false),
            dkHat: tf.matMul(L.v[i]!, P, false, true),
            dLambda: tf.reshape(tf.sum(tf.mul(S, P), 1), [1, p]),
            dv: tf.add(tf.matMul(scores, dOi, true, false), tf.matMul(L.kHat[i]!, P)),
            next: tf.add(tf.mul(P, L.lambda[i]!), tf.matMul(L.q[i]!, dOi, true, false)),
          };
        });
        dq[i] = r.dq;
        dk[i] = r.dk;
        dkHat[i] = r.dkHat;
        dLambda[i] = r.dLambda;
        dv[i] = r.dv;
        grad = r.next as tf.Tensor2D;
      }
      tf.dispose(states);
    }
    dInitial.push(grad);
  }
  return [tf.stack(dq), tf.stack(dk), tf.stack(dkHat), tf.stack(dLambda), tf.stack(dv), tf.stack(dInitial)];
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
