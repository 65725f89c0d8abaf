import * as tf from '@tensorflow/tfjs-core';
import { maskedSoftmax } from '@tost/attention';
import { blockMatMul, transposeBlocks } from './block-matmul.js';

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor3D>>[0];

/**
 * Softmax attention of each block of queries against its own block of keys: for q [M, s, p], k and v [M, S, p],
 * `keyReal` [M, 1, S] (1 = a real key) and the shared bool `band` [s, S] (which key slots each query position may
 * see), O_m = softmax over the allowed keys of q_m·k_mᵀ, times v_m → [M, s, p]. A query with no allowed key gets 0.
 * q is expected already scaled by 1/√p.
 *
 * Masking is exact (`maskedSoftmax`: disallowed scores are selected away); the values at disallowed slots must be
 * finite, since their weight 0 multiplies them. The backward pass is written by hand and keeps only q, k, v, the
 * output and the weights P [M, s, S]: dV = Pᵀ·dO (as (dOᵀ·P)ᵀ), dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)),
 * dQ = dS·k, dK = (qᵀ·dS)ᵀ — no [s, S] matrix is ever transposed.
 */
export function blockSoftmaxAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  keyReal: tf.Tensor3D,
  band: tf.Tensor2D,
): tf.Tensor3D {
  const core = tf.customGrad(((
    qb: tf.Tensor3D,
    kb: tf.Tensor3D,
    vb: tf.Tensor3D,
    real: tf.Tensor3D,
    save: tf.GradSaveFunc,
  ) => {
    const [p, o] = tf.tidy(() => {
      const scores = blockMatMul(qb, transposeBlocks(kb));
      const allowed = tf.logicalAnd(tf.expandDims(band, 0), tf.cast(real, 'bool'));
      const p = maskedSoftmax(scores, allowed);
      return [p, blockMatMul(p, vb)];
    });
    save([qb, kb, vb, o, p]);
    return {
      value: o,
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [sq, sk, sv, so, sp] = saved as tf.Tensor3D[];
        return tf.tidy(() => {
          const dyT = transposeBlocks(dy);
          const dv = transposeBlocks(blockMatMul(dyT, sp!));
          const dp = blockMatMul(dy, transposeBlocks(sv!));
          const rowDot = tf.sum(tf.mul(dy, so!), 2, true); // rowsum(P ⊙ dP) = rowsum(dO ⊙ O)
          const ds = tf.mul(sp!, tf.sub(dp, rowDot)) as tf.Tensor3D;
          const dq = blockMatMul(ds, sk!);
          const dk = transposeBlocks(blockMatMul(transposeBlocks(sq!), ds));
          return [dq, dk, dv, tf.zerosLike(real)];
        });
      },
    };
  }) as unknown as CustomGradientFunction);
  return core(q, k, v, keyReal) as tf.Tensor3D;
}
