import * as tf from '@tensorflow/tfjs-core';

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor>>[0];

/**
 * Σ_{j≤i} along the token axis (axis 2) of [batch, heads, seq, d], with the gradient written out: the adjoint of a
 * prefix sum is the suffix sum Σ_{i≥j}. (tfjs 4.22's own Cumsum gradient returns a transposed shape when the axis is
 * not the innermost one.)
 */
export const prefixSum = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.cumsum(x, 2),
  gradFunc: (dy: tf.Tensor) => tf.cumsum(dy, 2, false, true),
})) as unknown as CustomGradientFunction) as unknown as <T extends tf.Tensor>(x: T) => T;
