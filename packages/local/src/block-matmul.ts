import * as tf from '@tensorflow/tfjs-core';

/** Smallest rows/columns of a piece for which wasm runs the pieces one by one. */
const MIN_PIECE = 32;

/**
 * a·b for a [count, m, k] and b [count, k, n] → [count, m, n], not differentiated (used inside custom gradients).
 *
 * Why: on the wasm backend (tfjs 4.22) a batched matMul is ~4× slower than the same work as a loop of 2-D matMuls,
 * and cutting the batch into 2-D pieces with slice/unstack costs more than the products (each wasm slice of a large
 * tensor takes milliseconds). So on wasm the operands are read once and each piece is made from a view of that copy;
 * every other backend runs its own batched matMul, and so does wasm for small pieces (below 32 rows or columns the
 * per-piece overhead outweighs the gain: measured on blocks of 16 vs 64 queries).
 */
export function blockMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [count, m, k] = a.shape;
  const n = b.shape[2];
  if (b.shape[0] !== count || b.shape[1] !== k) {
    throw new RangeError(`blockMatMul: shapes [${a.shape}] and [${b.shape}] do not multiply block by block`);
  }
  if (tf.getBackend() !== 'wasm' || count === 1 || Math.min(m, n) < MIN_PIECE) return tf.matMul(a, b);
  return tf.tidy(() => {
    const av = a.dataSync() as Float32Array;
    const bv = b.dataSync() as Float32Array;
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < count; i++) {
      parts.push(
        tf.tidy(() =>
          tf.matMul(
            tf.tensor2d(av.subarray(i * m * k, (i + 1) * m * k), [m, k]),
            tf.tensor2d(bv.subarray(i * k * n, (i + 1) * k * n), [k, n]),
          ),
        ),
      );
    }
    return tf.stack(parts) as tf.Tensor3D;
  });
}

/** [count, m, n] → [count, n, m]. */
export function transposeBlocks(t: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(t, [0, 2, 1]);
}
