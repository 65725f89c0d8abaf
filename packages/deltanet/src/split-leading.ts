import * as tf from '@tensorflow/tfjs-core';

/**
 * The 2-D slices t[0], t[1], … of a rank-3 tensor, so that per-chunk products run as 2-D matMuls (on wasm a batched
 * matMul of many small matrices is far slower than a loop of 2-D ones). `tf.unstack`: with `@tost/backend`'s
 * `initBackend` the wasm `Unpack` kernel copies each piece directly (the stock kernel walks the whole input per piece).
 */
export function splitLeading(t: tf.Tensor3D): tf.Tensor2D[] {
  return tf.unstack(t) as tf.Tensor2D[];
}
