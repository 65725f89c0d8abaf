import * as tf from '@tensorflow/tfjs-core';

/**
 * fn(x) as a constant for autodiff: computed inside one custom-gradient op whose gradient is zero, so the backward
 * pass spends no work on fn (tfjs would otherwise still back-propagate zeros through every op of fn). For stabilisers
 * whose value cancels exactly in the output (the maxima subtracted before FAVOR+'s exponentials), whose true gradient
 * contribution is zero anyway.
 */
export function detached<T extends tf.Tensor>(fn: (x: tf.Tensor) => T, x: tf.Tensor): T {
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: fn(input),
    gradFunc: () => tf.zerosLike(input),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}
