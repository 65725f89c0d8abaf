import * as tf from '@tensorflow/tfjs-core';

/**
 * Why this file exists: on the wasm backend (tfjs 4.22), `matMul` with `transposeA`/`transposeB` is 10–30× slower
 * than an explicit `transpose` followed by a plain `matMul`, and a batched matMul with more than one batch is ~15×
 * slower than the same work as a loop of 2-D matMuls. tfjs's own matMul gradient uses the transposed forms, so
 * every backward pass would hit the slow path. These helpers keep all work on the fast path, forward and backward.
 */

/** Plain 2-D a·b whose gradient also uses explicit transposes: dA = dC·transpose(B), dB = transpose(A)·dC. */
type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor2D>>[0];

const plainMatMul2d = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      // Each transposed copy is disposed as soon as its product exists (tidy per gradient): otherwise the copy of A
      // (as large as the activations) would live until the whole backward pass ends.
      const da = tf.tidy(() => tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)));
      const db = tf.tidy(() => tf.matMul(tf.transpose(sa), dy as tf.Tensor2D));
      return [da, db];
    },
  };
}) as unknown as CustomGradientFunction) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** op(a)·op(b) for 2-D tensors, where op transposes when asked; only untransposed matMuls are executed. */
export function matMul2d(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
): tf.Tensor2D {
  return tf.tidy(() => plainMatMul2d(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}

/**
 * Batched op(a)·op(b) over all leading axes (rank ≥ 3, same leading shape for a and b). On wasm it runs as a loop of
 * fast 2-D matMuls (autodiff through unstack/stack gives the matching backward); elsewhere it is tf.matMul.
 */
export function batchMatMul<T extends tf.Tensor>(a: T, b: T, transposeA = false, transposeB = false): T {
  if (a.rank < 3 || a.rank !== b.rank) {
    throw new RangeError(
      `batchMatMul: expected two tensors of the same rank ≥ 3, got shapes [${a.shape}] and [${b.shape}]`,
    );
  }
  const lead = a.shape.slice(0, -2);
  if (lead.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(`batchMatMul: leading axes differ: [${a.shape}] vs [${b.shape}]`);
  }
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB) as T;
  return tf.tidy(() => {
    const count = lead.reduce((p, d) => p * d, 1);
    const [am, ak] = a.shape.slice(-2) as [number, number];
    const [bm, bk] = b.shape.slice(-2) as [number, number];
    const as = tf.unstack(tf.reshape(a, [count, am, ak])) as tf.Tensor2D[];
    const bs = tf.unstack(tf.reshape(b, [count, bm, bk])) as tf.Tensor2D[];
    const products = as.map((ai, i) => matMul2d(ai, bs[i]!, transposeA, transposeB));
    const out = tf.stack(products) as tf.Tensor3D;
    return tf.reshape(out, [...lead, out.shape[1], out.shape[2]]) as T;
  });
}
