import * as tf from '@tensorflow/tfjs-core';

/**
 * `t` as a constant for autodiff (its gradient is zero). For stabilisers whose value cancels exactly in the output
 * (the max subtracted before an exponential in FAVOR+), so their true gradient contribution is zero anyway.
 */
export const stopGradient = tf.customGrad(((t: tf.Tensor) => ({
  value: tf.clone(t),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(t: T) => T;
