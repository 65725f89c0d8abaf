import * as tf from '@tensorflow/tfjs-core';

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

/**
 * x·W (+ b) for x [rows, in], W [in, out], b [out] as ONE custom-gradient op that saves only its inputs x and W
 * (autodiff of matMul + add would also keep the un-biased product), and whose backward frees each transposed copy
 * the wasm fast path needs as soon as its product exists: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_rows dy (`sumRows`).
 */
function affine(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | undefined): tf.Tensor2D {
  const gradients = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
    const dx = tf.tidy(() => tf.matMul(dy, tf.transpose(sw)));
    // xᵀ·dy as a transposed product: on wasm @tost/backend splits its long token axis (installWasmSplitInnerMatMul).
    const dw = tf.matMul(sx, dy, true, false);
    return bias ? [dx, dw, sumRows(dy)] : [dx, dw];
  };
  if (bias) {
    const op = tf.customGrad(((a: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
      save([a, w]);
      return { value: tf.add(tf.matMul(a, w), b), gradFunc: gradients };
    }) as unknown as CustomGradientFunction) as unknown as (
      a: tf.Tensor2D,
      w: tf.Tensor2D,
      b: tf.Tensor1D,
    ) => tf.Tensor2D;
    return op(x, kernel, bias);
  }
  const op = tf.customGrad(((a: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([a, w]);
    return { value: tf.matMul(a, w), gradFunc: gradients };
  }) as unknown as CustomGradientFunction) as unknown as (a: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
  return op(x, kernel);
}

/**
 * Token-wise affine map `x·W + b` for x [batch, seq, in] and W [in, out] (tfjs layout).
 * Flattens tokens into one 2-D matMul (the fastest path on every backend), with a lean backward (`affine`): only the
 * input and the kernel are kept for it, dW = xᵀ·dy is one transposed product (on wasm, @tost/backend's matMul kernels
 * transpose it explicitly and split its long token axis) and no axis-0 Sum for the bias gradient.
 */
export function denseTokens(x: tf.Tensor3D, kernel: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [batch, seq, inDim] = x.shape;
  return tf.tidy(() => {
    const y = affine(tf.reshape(x, [batch * seq, inDim]), kernel, bias);
    return tf.reshape(y, [batch, seq, kernel.shape[1]]);
  });
}
