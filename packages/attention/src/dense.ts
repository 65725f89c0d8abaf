import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from './fast-matmul.js';

/**
 * Σ over the rows of y [rows, cols] → [cols], as rows × (average pool over the row axis). On wasm a Sum over axis 0
 * first transposes the whole tensor (~8 ms per million floats); XNNPACK's pooling reduces the middle axis in place,
 * over 10× faster. (tfjs's broadcast-add gradient is such a Sum, hence the custom bias gradient below.)
 */
function sumRows(y: tf.Tensor2D): tf.Tensor1D {
  const [rows, cols] = y.shape;
  return tf.tidy(() => {
    const pooled = tf.avgPool(
      tf.reshape(y, [1, rows, 1, cols]) as tf.Tensor4D,
      [rows, 1],
      [rows, 1],
      'valid',
    );
    return tf.reshape(tf.mul(pooled, rows), [cols]);
  });
}

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor2D>>[0];

/** y + b for y [rows, cols] and b [cols], with db = Σ_rows dy computed by `sumRows`. */
const addBias = tf.customGrad(((y: tf.Tensor2D, bias: tf.Tensor1D) => ({
  value: tf.add(y, bias),
  gradFunc: (dy: tf.Tensor2D) => [dy, sumRows(dy)],
})) as unknown as CustomGradientFunction) as unknown as (y: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D;

/**
 * Token-wise affine map `x·W + b` for x [batch, seq, in] and W [in, out] (tfjs layout).
 * Flattens tokens into one 2-D matMul (the fastest path on every backend), with a backward that avoids wasm's slow
 * transposed matMul (see fast-matmul.ts) and its slow axis-0 Sum for the bias gradient.
 */
export function denseTokens(x: tf.Tensor3D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [batch, seq, inDim] = x.shape;
  return tf.tidy(() => {
    let y: tf.Tensor2D = matMul2d(tf.reshape(x, [batch * seq, inDim]), kernel);
    if (bias) y = addBias(y, bias);
    return tf.reshape(y, [batch, seq, kernel.shape[1]]);
  });
}
