import * as tf from '@tensorflow/tfjs-core';

/**
 * Inclusive cumulative sum along `axis` with the gradient written out (the reverse cumulative sum of dy): tfjs 4.22's
 * own gradient of `tf.cumsum` along an axis that is not the last returns a transposed shape.
 */
export function cumsumAlong<T extends tf.Tensor>(x: T, axis: number): T {
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.cumsum(input, axis),
      gradFunc: (dy: tf.Tensor) => tf.cumsum(dy, axis, false, true),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (input: tf.Tensor) => T;
  return op(x);
}
