import * as tf from '@tensorflow/tfjs-core';
import { checkShapes } from './shapes.js';

/**
 * Non-causal linear attention ("Transformers are RNNs", Katharopoulos et al., arXiv 2006.16236, §3.2): for already
 * feature-mapped queries and keys q, k [batch, heads, seq, f] and values v [batch, heads, seq, d], O = q·(kᵀ·v) per
 * sample and head, [batch, heads, seq, d] — never an N×N matrix. A variant that normalises appends a column of ones
 * to v and divides. Padded keys must already be zero in k (or v). Time O(N·f·d), memory O(N·(f + d)); custom
 * gradient dq = dO·(kᵀv)ᵀ, dk = v·(qᵀdO)ᵀ, dv = k·(qᵀdO), keeping q, k, v and the small kᵀv [f, d] per head.
 * @throws RangeError when the shapes do not match.
 */
export function nonCausalLinearAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  checkShapes('nonCausalLinearAttention', q, k, v);
  const op = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [qs, ks, vs] = [qi, ki, vi].map((t) => perHead(t as tf.Tensor4D));
    const kv = contractTokens(ks!, vs!); // kᵀ·v [B·H, f, d]
    save([qi, ki, vi, kv]);
    return {
      value: tf.reshape(tf.matMul(qs!, kv), [q.shape[0], q.shape[1], q.shape[2], v.shape[3]]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() =>
          linearBackward(dy as tf.Tensor4D, ...(saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor3D])),
        ),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    q: tf.Tensor4D,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
  ) => tf.Tensor4D;
  return op(q, k, v);
}

/** [B, H, N, x] → [B·H, N, x] (a reshape: every product below is one batched matMul over samples and heads). */
const perHead = (t: tf.Tensor4D): tf.Tensor3D => {
  const [b, h, n, x] = t.shape;
  return tf.reshape(t, [b * h, n, x]);
};

/**
 * aᵀ·b for a [B·H, N, x] and b [B·H, N, y] → [B·H, x, y], a contraction over the token axis. A backend that cannot
 * read an operand transposed in place (wasm's BatchMatMul copies a `transposeA` operand into a transposed buffer, a
 * cost proportional to its size) pays least when the narrower operand is the one transposed, so for y < x this
 * computes (bᵀ·a)ᵀ: the extra transpose is of the small [x, y] result. Each entry is the same dot product over the
 * tokens either way.
 */
function contractTokens(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (b.shape[2] >= a.shape[2]) return tf.matMul(a, b, true, false);
  return tf.transpose(tf.matMul(b, a, true, false), [0, 2, 1]) as tf.Tensor3D;
}

function linearBackward(
  dy: tf.Tensor4D,
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  kv: tf.Tensor3D,
): tf.Tensor[] {
  const [qs, ks, vs, dO] = [q, k, v, dy].map(perHead) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  const g = contractTokens(qs, dO); // qᵀ·dO [B·H, f, d]
  return [
    tf.reshape(tf.matMul(dO, kv, false, true), q.shape),
    tf.reshape(tf.matMul(vs, g, false, true), k.shape),
    tf.reshape(tf.matMul(ks, g), v.shape),
  ];
}
