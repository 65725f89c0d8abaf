import * as tf from '@tensorflow/tfjs-core';
import { checkShapes } from './shapes.js';
import { splitLeading } from './split-leading.js';
import { concatMany } from './concat-many.js';

/**
 * Non-causal linear attention ("Transformers are RNNs", Katharopoulos et al., arXiv 2006.16236, §3.2): for already
 * feature-mapped queries and keys q, k [batch, heads, seq, f] and values v [batch, heads, seq, d], O = q·(kᵀ·v) per
 * sample and head, [batch, heads, seq, d] — never an N×N matrix. A variant that normalises appends a column of ones
 * to v and divides. Padded keys must already be zero in k (or v). Time O(N·f·d), memory O(N·(f + d)); custom
 * gradient dq = dO·(kᵀv)ᵀ, dk = v·(qᵀdO)ᵀ, dv = k·(qᵀdO), keeping only q, k, v.
 * @throws RangeError when the shapes do not match.
 */
export function nonCausalLinearAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  checkShapes('nonCausalLinearAttention', q, k, v);
  const op = tf.customGrad(((qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([qi, ki, vi]);
    return {
      value: tf.tidy(() => linearForward(qi as tf.Tensor4D, ki as tf.Tensor4D, vi as tf.Tensor4D)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() =>
          linearBackward(dy as tf.Tensor4D, ...(saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D])),
        ),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    q: tf.Tensor4D,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
  ) => tf.Tensor4D;
  return op(q, k, v);
}

/** [B, H, N, x] → per (sample, head) [N, x] slices. */
const perHead = (t: tf.Tensor4D): tf.Tensor2D[] => {
  const [b, h, n, x] = t.shape;
  return splitLeading(tf.reshape(t, [b * h, n, x]));
};

function linearForward(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [b, h, n] = q.shape;
  const d = v.shape[3];
  const qs = perHead(q);
  const ks = perHead(k);
  const vs = perHead(v);
  const outs: tf.Tensor2D[] = [];
  for (let i = 0; i < b * h; i++) outs.push(tf.matMul(qs[i]!, tf.matMul(tf.transpose(ks[i]!), vs[i]!)));
  return tf.reshape(concatMany(outs), [b, h, n, d]);
}

function linearBackward(dy: tf.Tensor4D, q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor[] {
  const [b, h] = q.shape;
  const qs = perHead(q);
  const ks = perHead(k);
  const vs = perHead(v);
  const dys = perHead(dy);
  const dq: tf.Tensor2D[] = [];
  const dk: tf.Tensor2D[] = [];
  const dv: tf.Tensor2D[] = [];
  for (let i = 0; i < b * h; i++) {
    const kv = tf.matMul(tf.transpose(ks[i]!), vs[i]!); // [f, d]
    const dO = dys[i]!;
    const g = tf.matMul(tf.transpose(qs[i]!), dO); // qᵀ·dO, [f, d]
    dq.push(tf.matMul(dO, tf.transpose(kv)));
    dk.push(tf.matMul(vs[i]!, tf.transpose(g)));
    dv.push(tf.matMul(ks[i]!, g));
  }
  return [
    tf.reshape(concatMany(dq), q.shape),
    tf.reshape(concatMany(dk), k.shape),
    tf.reshape(concatMany(dv), v.shape),
  ];
}
