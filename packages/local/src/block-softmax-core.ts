import * as tf from '@tensorflow/tfjs-core';
import { blockMatMul, transposeBlocks } from './block-matmul.js';

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor4D>>[0];

/** Key blocks o … o + blocks − 1 of t [G, T, size, c] as [G·blocks, size, c]: what query block t meets at offset o. */
function atOffset(t: tf.Tensor4D, o: number, blocks: number): tf.Tensor3D {
  const [groups, , size, c] = t.shape;
  return tf.tidy(() => tf.reshape(tf.slice(t, [0, o, 0, 0], [groups, blocks, size, c]), [groups * blocks, size, c]));
}

/** The adjoint of `atOffset`: d [G·blocks, size, c] put back at key blocks o … of a [G, T, size, c] tensor (0 elsewhere). */
function fromOffset(d: tf.Tensor3D, o: number, shape: readonly number[]): tf.Tensor4D {
  const [groups, total, size, c] = shape as [number, number, number, number];
  const blocks = d.shape[0] / groups;
  return tf.tidy(() =>
    tf.pad(tf.reshape(d, [groups, blocks, size, c]), [
      [0, 0],
      [o, total - blocks - o],
      [0, 0],
      [0, 0],
    ]),
  );
}

/** Σ over o = 0 … count − 1 of term(o), freeing each term and partial sum as soon as it is added. */
function sumOver<T extends tf.Tensor>(count: number, term: (o: number) => T): T {
  let total = tf.tidy(() => term(0));
  for (let o = 1; o < count; o++) {
    const next = tf.tidy(() => tf.add(total, term(o)) as T);
    total.dispose();
    total = next;
  }
  return total;
}

/** Concatenates [M, size, size] parts along the last axis and frees them at once (they are as large as the result). */
function concatFreeing(parts: tf.Tensor3D[]): tf.Tensor3D {
  if (parts.length === 1) return parts[0]!;
  const joined = tf.concat(parts, 2);
  tf.dispose(parts);
  return joined;
}

/**
 * `maskedSoftmax` of @tost/attention (exact: disallowed entries are selected away, so they get weight exactly 0
 * whatever they hold, and a row without any allowed entry gives zeros), step by step so that only a few
 * [M, size, keys] temporaries are alive at once. Frees `scores` and `allowed`.
 */
function leanMaskedSoftmax(scores: tf.Tensor3D, allowed: tf.Tensor3D): tf.Tensor3D {
  const restricted = tf.tidy(() => tf.where(allowed, scores, tf.fill(scores.shape, Number.NEGATIVE_INFINITY)));
  scores.dispose();
  const p = tf.softmax(restricted);
  restricted.dispose();
  const weights = tf.tidy(() => tf.where(allowed, p, tf.zerosLike(p))) as tf.Tensor3D;
  tf.dispose([p, allowed]);
  return weights;
}

/** Columns o·size … (o + 1)·size − 1 of t [M, size, keys]: the part of each block's row facing key offset o. */
function columns(t: tf.Tensor3D, o: number): tf.Tensor3D {
  const [m, size] = t.shape;
  return tf.slice(t, [0, 0, o * size], [m, size, size]);
}

/**
 * Softmax attention of each block of queries against its neighbouring key blocks. q [G, blocks, size, p] (already
 * scaled by 1/√p); k, v [G, T, size, p] and `real` [G, T, size, 1] (1 = a real key) in key blocks, where query block
 * t meets key blocks t … t + offsets − 1 (offsets = keys / size, T = blocks + offsets − 1); the shared bool `band`
 * [size, keys] says which of those key slots each query slot may see. Output [G, blocks, size, p]: softmax over the
 * allowed keys of q·kᵀ, times v; a query with no allowed key gets 0.
 *
 * Masking is exact (`maskedSoftmax` selects disallowed scores away); values in disallowed slots must be finite, since
 * their weight 0 multiplies them. Products are taken one key offset at a time, so k and v are never copied per
 * offset. The backward pass is written by hand and keeps only q, k, v, the output and the weights P
 * [G·blocks, size, keys] (O(N·w) per head): dV = Pᵀ·dO (as (dOᵀ·P)ᵀ), dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)),
 * dQ = dS·k, dK = (qᵀ·dS)ᵀ, offset by offset — no [size, keys] matrix is ever transposed.
 */
export function blockSoftmaxAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  real: tf.Tensor4D,
  band: tf.Tensor2D,
): tf.Tensor4D {
  const [groups, blocks, size, p] = q.shape;
  const offsets = band.shape[1] / size;
  const rows = groups * blocks;
  const core = tf.customGrad(((
    qb: tf.Tensor4D,
    kb: tf.Tensor4D,
    vb: tf.Tensor4D,
    realb: tf.Tensor4D,
    save: tf.GradSaveFunc,
  ) => {
    const q3 = tf.reshape(qb, [rows, size, p]) as tf.Tensor3D;
    const scores = concatFreeing(
      Array.from({ length: offsets }, (_, o) => tf.tidy(() => blockMatMul(q3, transposeBlocks(atOffset(kb, o, blocks))))),
    );
    const allowed = tf.tidy(() => {
      const realKeys = tf.reshape(
        tf.concat(Array.from({ length: offsets }, (_, o) => atOffset(realb, o, blocks)), 1),
        [rows, 1, offsets * size],
      );
      // A float product cast to bool: wasm's broadcasting LogicalAnd is ~20× slower than its Mul.
      return tf.cast(tf.mul(tf.expandDims(tf.cast(band, 'float32'), 0), realKeys), 'bool') as tf.Tensor3D;
    });
    const weights = leanMaskedSoftmax(scores, allowed);
    const out = sumOver(offsets, (o) => blockMatMul(columns(weights, o), atOffset(vb, o, blocks)));
    save([q3, kb, vb, out, weights]);
    return {
      value: tf.reshape(out, [groups, blocks, size, p]) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sq, sk, sv, so, sp] = saved as [tf.Tensor3D, tf.Tensor4D, tf.Tensor4D, tf.Tensor3D, tf.Tensor3D];
        const dO = tf.reshape(dy, [rows, size, p]) as tf.Tensor3D;
        const dp = concatFreeing(
          Array.from({ length: offsets }, (_, o) => tf.tidy(() => blockMatMul(dO, transposeBlocks(atOffset(sv, o, blocks))))),
        );
        const rowDot = tf.sum(tf.mul(dO, so), 2, true); // rowsum(P ⊙ dP) = rowsum(dO ⊙ O)
        const centred = tf.sub(dp, rowDot);
        tf.dispose([dp, rowDot]);
        const ds = tf.mul(sp, centred) as tf.Tensor3D;
        centred.dispose();
        const dq = sumOver(offsets, (o) => blockMatMul(columns(ds, o), atOffset(sk, o, blocks)));
        const qT = transposeBlocks(sq);
        const dk = sumOver(offsets, (o) => fromOffset(transposeBlocks(blockMatMul(qT, columns(ds, o))), o, sk.shape));
        qT.dispose();
        ds.dispose();
        const dOT = transposeBlocks(dO);
        const dv = sumOver(offsets, (o) => fromOffset(transposeBlocks(blockMatMul(dOT, columns(sp, o))), o, sv.shape));
        dOT.dispose();
        return [tf.reshape(dq, [groups, blocks, size, p]), dk, dv, tf.zerosLike(realb)];
      },
    };
  }) as unknown as CustomGradientFunction);
  return core(q, k, v, real) as tf.Tensor4D;
}
