import * as tf from '@tensorflow/tfjs-core';
import { maskedSoftmaxForward } from '@tost/ops';

/**
 * Selective attention's core (Leviathan, Kalman, Matias, "Selective Attention Improves Transformer", ICLR 2025,
 * arXiv 2410.02703, §2), per sample as a loop of 2-D matMuls with a hand-written backward pass, for q (already scaled
 * by 1/√p), k, v [batch, heads, N, p] and the token mask [batch, N] (1 = token):
 *
 *   L_h = q_h·k_hᵀ;  S = relu(L_0) where j < i, j ≥ 1, and i, j are real tokens, else 0  (head 0 selects)
 *   F[i, j] = Σ_{k<i} S[k, j]                                      (what earlier tokens faded)
 *   O_h = softmax_j(L_h − F) over real keys j ≤ i, times v_h       (every head)
 *
 * Forward: one S and F [N, N] per sample, one P_h [N, N] per head. Saved for the backward pass: q, k, v, the mask,
 * the output and the P_h (as the fused softmax-causal path of @tost/softmax; no transposed N×N copy is made). Backward
 * per head dS_h = P_h ⊙ (dO·vᵀ − rowsum(dO ⊙ O)), dq = dS_h·k, dkᵀ = qᵀ·dS_h, dvᵀ = dOᵀ·P_h; the fading adds
 * dF = −Σ_h dS_h, dS = Σ_{i>k} dF[i, ·] (a reverse exclusive cumulative sum), and dL_0 = dS where S > 0, back into
 * head 0's q and k (L_0 recomputed).
 */
export function fusedSelectiveAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
): tf.Tensor4D {
  return selectiveOp(q, k, v, mask);
}

interface Masks {
  /** Keys a query may attend to: real and not in its future, [N, N]. */
  allowed: tf.Tensor2D;
  /** Where the selection S may be non-zero: real i, real j, 1 ≤ j < i, as 0/1 floats [N, N]. */
  selectable: tf.Tensor2D;
}

/** The sample-independent patterns as 0/1 floats [N, N]: j ≤ i, and 1 ≤ j < i. */
interface Patterns {
  lower: tf.Tensor2D;
  selectable: tf.Tensor2D;
  onesColumn: tf.Tensor2D;
  onesRow: tf.Tensor2D;
}

function patternsOf(n: number): Patterns {
  const lower = new Float32Array(n * n);
  const selectable = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) lower[i * n + j] = 1;
    for (let j = 1; j < i; j++) selectable[i * n + j] = 1;
  }
  return {
    lower: tf.tensor2d(lower, [n, n]),
    selectable: tf.tensor2d(selectable, [n, n]),
    onesColumn: tf.ones([n, 1]),
    onesRow: tf.ones([1, n]),
  };
}

/**
 * One sample's masks from its token mask [N]. Same-shape products only (outer products by matMul): on wasm,
 * broadcasting binary ops and logicalAnd over [N, N] run a generic loop many times slower.
 */
function masksOf(patterns: Patterns, maskRow: tf.Tensor1D, n: number): Masks {
  const real = tf.reshape(maskRow, [1, n]) as tf.Tensor2D;
  const keys = tf.matMul(patterns.onesColumn, real);
  const queries = tf.matMul(tf.reshape(real, [n, 1]), patterns.onesRow);
  return {
    allowed: tf.cast(tf.mul(patterns.lower, keys), 'bool') as tf.Tensor2D,
    selectable: tf.mul(tf.mul(patterns.selectable, keys), queries) as tf.Tensor2D,
  };
}

/** t − r·1ᵀ for t [N, N] and a column r [N, 1], as a same-shape subtraction. */
function minusColumn(patterns: Patterns, t: tf.Tensor2D, column: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(t, tf.matMul(column, patterns.onesRow)) as tf.Tensor2D;
}

/** [B, H, N, p] → per sample, the H slices [N, p]. */
function slices(t: tf.Tensor4D): tf.Tensor2D[][] {
  const [b, h, n, p] = t.shape;
  const flat = tf.unstack(tf.reshape(t, [b * h, n, p])) as tf.Tensor2D[];
  return Array.from({ length: b }, (_, i) => flat.slice(i * h, (i + 1) * h));
}

function unslice(parts: tf.Tensor2D[], shape: readonly number[]): tf.Tensor4D {
  return tf.reshape(tf.stack(parts), shape as [number, number, number, number]) as tf.Tensor4D;
}

const selectiveOp = tf.customGrad(((
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
  save: tf.GradSaveFunc,
) => {
  const [batch, , n] = q.shape;
  const [qs, ks, vs] = [q, k, v].map(slices) as [tf.Tensor2D[][], tf.Tensor2D[][], tf.Tensor2D[][]];
  const maskRows = tf.unstack(mask) as tf.Tensor1D[];
  const patterns = patternsOf(n);
  const weights: tf.Tensor2D[] = [];
  const outputs: tf.Tensor2D[] = [];
  for (let b = 0; b < batch; b++) {
    const perHead = tf.tidy(() => {
      const { allowed, selectable } = masksOf(patterns, maskRows[b]!, n);
      const scores = qs[b]!.map((qh, h) => tf.matMul(qh, ks[b]![h]!, false, true));
      // A select, not a product: a future key's score may be ±Infinity, and Infinity·0 would be NaN.
      const selection = tf.where(tf.cast(selectable, 'bool'), tf.relu(scores[0]!), tf.zerosLike(scores[0]!));
      const faded = tf.cumsum(selection, 0, true);
      return scores.map((s, h) => {
        const p = maskedSoftmaxForward(tf.sub(s, faded), allowed) as tf.Tensor2D;
        return [p, tf.matMul(p, vs[b]![h]!)] as const;
      });
    });
    for (const [p, o] of perHead) {
      weights.push(p);
      outputs.push(o as tf.Tensor2D);
    }
  }
  tf.dispose([...maskRows, ...Object.values(patterns)]);
  const output = unslice(outputs, [...q.shape.slice(0, 3), v.shape[3]]);
  tf.dispose(outputs);
  save([q, k, v, mask, output, ...weights]);
  return {
    value: output,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [sq, sk, sv, smask, so, ...sp] = saved as tf.Tensor4D[];
      const heads = sq!.shape[1];
      const [qb, kb, vb, ob, dob] = [sq!, sk!, sv!, so!, dy].map(slices);
      const rows = tf.unstack(smask!) as tf.Tensor1D[];
      const patterns = patternsOf(n);
      const dq: tf.Tensor2D[] = [];
      const dk: tf.Tensor2D[] = [];
      const dv: tf.Tensor2D[] = [];
      for (let b = 0; b < batch; b++) {
        const grads = tf.tidy(() => {
          const out: tf.Tensor2D[][] = [];
          let dFaded: tf.Tensor | undefined;
          for (let h = 0; h < heads; h++) {
            const p = sp[b * heads + h] as unknown as tf.Tensor2D;
            const dO = dob![b]![h]!;
            const dP = tf.matMul(dO, vb![b]![h]!, false, true) as tf.Tensor2D;
            const rowDot = tf.sum(tf.mul(dO, ob![b]![h]!), 1, true) as tf.Tensor2D;
            const dScores = tf.mul(p, minusColumn(patterns, dP, rowDot)) as tf.Tensor2D;
            dFaded = dFaded ? tf.sub(dFaded, dScores) : tf.neg(dScores);
            out.push([
              tf.matMul(dScores, kb![b]![h]!),
              tf.transpose(tf.matMul(qb![b]![h]!, dScores, true, false)) as tf.Tensor2D,
              tf.transpose(tf.matMul(dO, p, true, false)) as tf.Tensor2D,
            ]);
          }
          // Through F = exclusive cumsum of S over rows, S = relu(L_0) on the selectable entries, L_0 = q_0·k_0ᵀ.
          const { selectable } = masksOf(patterns, rows[b]!, n);
          const dSelection = tf.cumsum(dFaded!, 0, true, true);
          const scores0 = tf.matMul(qb![b]![0]!, kb![b]![0]!, false, true);
          // relu′ on the selectable entries (a select: dSelection may hold anything where S is 0 by definition).
          const active = tf.cast(tf.mul(tf.step(scores0), selectable), 'bool');
          const dScores0 = tf.where(active, dSelection, tf.zerosLike(dSelection)) as tf.Tensor2D;
          out[0]![0] = tf.add(out[0]![0]!, tf.matMul(dScores0, kb![b]![0]!)) as tf.Tensor2D;
          out[0]![1] = tf.add(out[0]![1]!, tf.transpose(tf.matMul(qb![b]![0]!, dScores0, true, false))) as tf.Tensor2D;
          return out;
        });
        for (const [dqh, dkh, dvh] of grads) {
          dq.push(dqh!);
          dk.push(dkh!);
          dv.push(dvh!);
        }
      }
      tf.dispose([...rows, ...Object.values(patterns)]);
      return [unslice(dq, sq!.shape), unslice(dk, sk!.shape), unslice(dv, sv!.shape), tf.zerosLike(smask!)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor2D,
) => tf.Tensor4D;
