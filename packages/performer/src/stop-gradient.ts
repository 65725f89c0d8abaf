import * as tf from '@tensorflow/tfjs-core';

/**
 * fn(...inputs) as a constant for autodiff: computed inside one custom-gradient op whose gradients are zero, so the
 * backward pass spends no work on fn and keeps none of its intermediates (tfjs would otherwise back-propagate zeros
 * through every op of fn). For stabilisers whose value cancels exactly in the output (the maxima subtracted before
 * FAVOR+'s exponentials), whose true gradient contribution is zero anyway.
 */
export function detached<T extends tf.Tensor>(fn: (...inputs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    args.pop(); // the save function: nothing is saved
    const tensors = args as tf.Tensor[];
    return { value: fn(...tensors), gradFunc: () => tensors.map((t) => tf.zerosLike(t)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs) as T;
}
