import * as tf from '@tensorflow/tfjs-core';

/**
 * Building blocks of a reference forward pass (`ReferenceForward`) for a layer with the `ProjectedAttention` weight
 * layout (query, key, value, output kernels [in, out] and biases, then the variant's own): plain tfjs ops, written
 * apart from the layers' projection and head code so that a reference stays independent of what it checks.
 */

/**
 * q, k, v [batch, heads, seq, p] of x [batch, seq, dim]: `x·W + b` with weights 0–1 (query), 2–3 (key), 4–5 (value),
 * split into `heads` heads of p = dim / heads channels.
 */
export function referenceQkv(
  x: tf.Tensor3D,
  weights: readonly tf.Tensor[],
  heads: number,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [b, n, c] = x.shape;
  const rows = tf.reshape(x, [b * n, c]);
  const project = (i: number) => {
    const projected = tf.add(tf.matMul(rows, weights[i] as tf.Tensor2D), weights[i + 1]!);
    return tf.transpose(tf.reshape(projected, [b, n, heads, c / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
  };
  return [project(0), project(2), project(4)];
}

/**
 * The output of heads o [batch, heads, seq, p]: heads merged into rows [batch·seq, heads·p], `normalize` (if given)
 * applied to those rows, then `rows·kernel + bias` reshaped to [batch, seq, heads·p].
 */
export function referenceOutput(
  o: tf.Tensor,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  normalize?: (rows: tf.Tensor) => tf.Tensor,
): tf.Tensor3D {
  const [b, heads, n, p] = o.shape as [number, number, number, number];
  const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * n, heads * p]);
  const rows = normalize ? normalize(merged) : merged;
  return tf.reshape(tf.add(tf.matMul(rows, kernel as tf.Tensor2D), bias), [b, n, heads * p]) as tf.Tensor3D;
}

/**
 * Which keys each query may attend to, as 0/1 floats [batch, 1, seq, seq]: the real keys (mask [batch, seq], 1 =
 * token), and with `causal` only keys s ≤ t.
 */
export function referenceAllowedKeys(mask: tf.Tensor2D, causal: boolean): tf.Tensor4D {
  const [b, n] = mask.shape;
  const pairs = causal ? tf.reshape(tf.linalg.bandPart(tf.ones([n, n]), -1, 0), [1, 1, n, n]) : tf.ones([1, 1, n, n]);
  return tf.mul(pairs, tf.reshape(mask, [b, 1, 1, n])) as tf.Tensor4D;
}
