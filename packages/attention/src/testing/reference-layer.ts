import * as tf from '@tensorflow/tfjs-core';
import type { ReferenceForward } from './reference-check.js';

/** What a reference core gets besides q, k, v: the mask, the keys each query may attend to, all the weights. */
export interface ReferenceCoreContext {
  /** [batch, seq], 1 = token, 0 = padding. */
  mask: tf.Tensor2D;
  /** 0/1 floats [batch, 1, seq, seq]: the real keys, and with `causal` only keys s ≤ t. */
  allowed: tf.Tensor4D;
  /** The layer's weights in `getWeights()` order (the variant's own ones from index 8). */
  weights: readonly tf.Tensor[];
}

/**
 * A reference forward pass (`ReferenceForward`) for a layer with the `ProjectedAttention` weight layout — query, key,
 * value kernels [in, out] and biases (weights 0–5), output kernel and bias (6–7), then the variant's own — around
 * `core`, which maps q, k, v [batch, heads, seq, p] to the heads' outputs [batch, heads, seq, p]. The heads are then
 * merged into rows [batch·seq, dim], `normalize`d if given (e.g. a per-token RMS norm), and projected out. Written
 * in plain tfjs ops, apart from the layers' projection and head code, so that a reference stays independent of what
 * it checks.
 */
export function projectedReference(
  core: (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, context: ReferenceCoreContext) => tf.Tensor,
  {
    causal = false,
    normalize,
  }: { causal?: boolean; normalize?: (rows: tf.Tensor, weights: readonly tf.Tensor[]) => tf.Tensor } = {},
): ReferenceForward {
  return (x, weights, mask, { heads }) => {
    const [b, n, c] = x.shape;
    const rows = tf.reshape(x, [b * n, c]);
    const project = (i: number) => {
      const projected = tf.add(tf.matMul(rows, weights[i] as tf.Tensor2D), weights[i + 1]!);
      return tf.transpose(tf.reshape(projected, [b, n, heads, c / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
    };
    const pairs = causal ? tf.linalg.bandPart(tf.ones([n, n]), -1, 0) : tf.ones([n, n]);
    const allowed = tf.mul(tf.reshape(pairs, [1, 1, n, n]), tf.reshape(mask, [b, 1, 1, n])) as tf.Tensor4D;
    const o = core(project(0), project(2), project(4), { mask, allowed, weights });
    const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * n, c]);
    const out = normalize ? normalize(merged, weights) : merged;
    return tf.reshape(tf.add(tf.matMul(out, weights[6] as tf.Tensor2D), weights[7]!), [b, n, c]);
  };
}
