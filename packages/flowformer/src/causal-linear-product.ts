import * as tf from '@tensorflow/tfjs-core';
import { CAUSAL_CHUNK_SIZE } from './constants.js';

/**
 * The causal linear-attention product `y_i = Σ_{j≤i} (q_i·k_j) v_j` for q, k [batch, heads, seq, p] and v
 * [batch, heads, seq, pv] → [batch, heads, seq, pv], evaluated by chunks of `chunkSize` tokens (the chunked form of
 * "Transformers are RNNs", Katharopoulos et al., arXiv 2006.16236, §3.2; the authors' `causal_dot_product` in
 * thuml/Flowformer materialises a cumulative [seq, p, pv] tensor, this never does):
 *   inside a chunk  (Q_c K_cᵀ ⊙ L)·V_c with L the lower triangle (j ≤ i);
 *   across chunks   Q_c·S_c with the carried state S_c = Σ_{c' < c} K_{c'}ᵀ V_{c'} ([p, pv] per chunk).
 * Time O(seq·b·p + seq·p·pv), memory O(seq·b + seq·p·pv/b).
 *
 * The gradient is hand-written (it recomputes the chunk products and states instead of keeping them):
 *   dA = (dY·Vᵀ) ⊙ L,  dQ = dA·K + dY·Sᵀ,  dK = dAᵀ·Q + V·dKVᵀ,  dV = Aᵀ·dY + K·dKV,
 *   with dKV_c = Σ_{c' > c} Q_{c'}ᵀ dY_{c'}.
 *
 * Inputs must be finite: the masked product multiplies 0 by later tokens' values (zero non-finite entries first).
 */
export function causalLinearProduct(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  chunkSize = CAUSAL_CHUNK_SIZE,
): tf.Tensor4D {
  const [batch, heads, seq] = q.shape;
  const pv = v.shape[3];
  if (k.shape.some((d, i) => d !== q.shape[i]) || v.shape.slice(0, 3).some((d, i) => d !== q.shape[i])) {
    throw new RangeError(
      `causalLinearProduct: 'q' [${q.shape}] and 'k' [${k.shape}] must have equal shapes and 'v' [${v.shape}] the ` +
        `same batch, heads and seq`,
    );
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(
      `causalLinearProduct: 'chunkSize' must be a positive integer, got ${String(chunkSize)}`,
    );
  }
  const b = Math.min(chunkSize, Math.max(seq, 1));
  const chunks = Math.ceil(seq / b);
  return tf.tidy(() => {
    const y = chunkedProduct(toChunks(q, b), toChunks(k, b), toChunks(v, b)) as tf.Tensor4D;
    const flat = tf.reshape(y, [batch, heads, chunks * b, pv]);
    return (chunks * b === seq ? flat : tf.slice(flat, [0, 0, 0, 0], [batch, heads, seq, pv])) as tf.Tensor4D;
  });
}

/** [batch, heads, seq, d] → [batch·heads, chunks, b, d], zero-padding the sequence to a multiple of b. */
function toChunks(x: tf.Tensor4D, b: number): tf.Tensor4D {
  const [batch, heads, seq, d] = x.shape;
  const chunks = Math.ceil(seq / b);
  const padded =
    chunks * b === seq
      ? x
      : tf.pad(x, [
          [0, 0],
          [0, 0],
          [0, chunks * b - seq],
          [0, 0],
        ]);
  return tf.reshape(padded, [batch * heads, chunks, b, d]);
}

/**
 * op(a)·op(b) over a batch of small blocks [count, m, n] as ONE batched matMul. Here the blocks are chunk-sized
 * (64×64): per-op overhead dominates, and one batched op beats the loop of 2-D products (`batchMatMul` on wasm) that
 * suits large matrices.
 */
function blockMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor3D {
  return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
}

/** Lower triangle [b, b]: 1 where key j ≤ query i. */
function lowerTriangle(b: number): tf.Tensor2D {
  return tf.linalg.bandPart(tf.ones([b, b]), -1, 0) as tf.Tensor2D;
}

/** [groups, chunks, m, n] → [groups·chunks, m, n] (the batch of 2-D products). */
function flatten(x: tf.Tensor): tf.Tensor3D {
  const [g, c, m, n] = x.shape as [number, number, number, number];
  return tf.reshape(x, [g * c, m, n]);
}

/**
 * Σ over earlier chunks (exclusive prefix, `reverse` = over later chunks) of per-chunk [p, pv] matrices given as
 * [groups·chunks, p, pv].
 */
function chunkScan(x: tf.Tensor3D, groups: number, reverse: boolean): tf.Tensor3D {
  const [gc, p, pv] = x.shape;
  const scanned = tf.cumsum(tf.reshape(x, [groups, gc / groups, p * pv]), 1, true, reverse);
  return tf.reshape(scanned, [gc, p, pv]);
}

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor>>[0];

const chunkedProduct = tf.customGrad(((
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  save: tf.GradSaveFunc,
) => {
  save([q, k, v]);
  const [groups, chunks, b] = q.shape;
  const pv = v.shape[3];
  const value = tf.tidy(() => {
    const [q3, k3, v3] = [flatten(q), flatten(k), flatten(v)];
    const scores = tf.mul(blockMatMul(q3, k3, false, true), lowerTriangle(b));
    const state = chunkScan(blockMatMul(k3, v3, true, false), groups, false);
    const y = tf.add(blockMatMul(scores, v3), blockMatMul(q3, state));
    return tf.reshape(y, [groups, chunks, b, pv]);
  });
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      // Each gradient in its own scope, so the block products of one are freed before the next is formed.
      const [q3, k3, v3] = (saved as tf.Tensor4D[]).map(flatten) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const dy3 = flatten(dy);
      const tri = lowerTriangle(b);
      const dScores = tf.tidy(() => tf.mul(blockMatMul(dy3, v3, false, true), tri));
      const dState = tf.tidy(() => chunkScan(blockMatMul(q3, dy3, true, false), groups, true));
      const dq = tf.tidy(() => {
        const state = chunkScan(blockMatMul(k3, v3, true, false), groups, false);
        return tf.add(blockMatMul(dScores, k3), blockMatMul(dy3, state, false, true));
      });
      const dk = tf.tidy(() =>
        tf.add(blockMatMul(dScores, q3, true, false), blockMatMul(v3, dState, false, true)),
      );
      tf.dispose(dScores);
      const dv = tf.tidy(() => {
        const scores = tf.mul(blockMatMul(q3, k3, false, true), tri);
        return tf.add(blockMatMul(scores, dy3, true, false), blockMatMul(k3, dState));
      });
      const grads = [dq, dk, dv].map((g, i) => tf.reshape(g, saved[i]!.shape));
      tf.dispose([q3, k3, v3, dy3, tri, dState, dq, dk, dv]);
      return grads;
    },
  };
}) as unknown as CustomGradientFunction) as unknown as (
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
) => tf.Tensor;
