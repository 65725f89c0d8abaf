import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from './fast-matmul.js';

/**
 * Token-wise affine map `x·W + b` for x [batch, seq, in] and W [in, out] (tfjs layout).
 * Flattens tokens into one 2-D matMul (the fastest path on every backend), with a backward that avoids wasm's slow
 * transposed matMul (see fast-matmul.ts).
 */
export function denseTokens(x: tf.Tensor3D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [batch, seq, inDim] = x.shape;
  return tf.tidy(() => {
    let y: tf.Tensor2D = matMul2d(tf.reshape(x, [batch * seq, inDim]), kernel);
    if (bias) y = tf.add(y, bias);
    return tf.reshape(y, [batch, seq, kernel.shape[1]]);
  });
}
