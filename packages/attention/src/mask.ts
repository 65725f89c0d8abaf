import * as tf from '@tensorflow/tfjs-core';

/** Large negative score (written as (mask − 1)·1e9 so real keys get +0, not −0) for masked keys: softmax gives them weight 0 without producing NaN or Inf. */
export const MASKED_SCORE = -1e9;

/**
 * Checks a padding mask against the input: `[batch, seq]`, 1 = real token, 0 = padding (bool masks accepted).
 */
export function validateMask(mask: tf.Tensor, batch: number, seq: number, layerName: string): void {
  if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== seq) {
    throw new RangeError(
      `${layerName}: argument 'mask' must have shape [batch, seq] = [${batch}, ${seq}] (1 = token, 0 = padding), ` +
        `got [${mask.shape.join(', ')}]`,
    );
  }
}

/** Mask as float32 [batch, seq, 1], for zeroing padded tokens' features. */
export function tokenMask(mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => tf.expandDims(tf.cast(mask, 'float32'), 2) as tf.Tensor3D);
}

/** Mask as float32 [batch, 1, seq, 1], broadcasting over heads and channels of [batch, heads, seq, p]. */
export function headTokenMask(mask: tf.Tensor2D): tf.Tensor4D {
  const [batch, seq] = mask.shape;
  return tf.tidy(() => tf.reshape(tf.cast(mask, 'float32'), [batch, 1, seq, 1]));
}

/** Additive key bias [batch, 1, 1, seq]: 0 for real keys, MASKED_SCORE for padded ones. */
export function keyMaskBias(mask: tf.Tensor2D): tf.Tensor4D {
  const [batch, seq] = mask.shape;
  return tf.tidy(() =>
    tf.reshape(tf.mul(tf.sub(tf.cast(mask, 'float32'), 1), -MASKED_SCORE), [batch, 1, 1, seq]),
  );
}

/** Additive causal bias [1, 1, seq, seq]: 0 where key ≤ query, MASKED_SCORE above the diagonal. */
export function causalMaskBias(seq: number): tf.Tensor4D {
  return tf.tidy(() => {
    const lower = tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0);
    return tf.reshape(tf.mul(tf.sub(lower, 1), -MASKED_SCORE), [1, 1, seq, seq]);
  });
}

/**
 * Data of masks already checked. tfjs data are immutable, so a mask is read once: the layers of a model, a gradient's
 * recomputation and repeated calls with the same mask would otherwise read it back from the GPU each time once a kernel
 * has uploaded it (tfjs-backend-webgpu then drops its CPU copy) — a synchronous readback, which stalls the GPU and on
 * Chromium's SwiftShader WebGPU destroys the device (docs/upstream/webgpu-sync-readback.md).
 */
const checkedMasks = new WeakSet<object>();

/**
 * Checks that a mask holds only 0 and 1 (a bool mask always does). Values such as 0.5, 2, −1 or NaN are an error
 * naming `mask` and the first offending value: a soft mask would silently mean something else in every variant.
 * Each mask's data is read (synchronously) once; later calls with the same tensor (or a clone) return at once.
 */
export function validateMaskValues(mask: tf.Tensor, layerName: string): void {
  if (mask.dtype === 'bool' || checkedMasks.has(mask.dataId)) return;
  const values = mask.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== 0 && v !== 1) {
      const [, seq] = mask.shape as [number, number];
      throw new RangeError(
        `${layerName}: argument 'mask' must hold only 0 (padding) and 1 (token), got ${String(v)} at ` +
          `[${Math.floor(i / seq)}, ${i % seq}]`,
      );
    }
  }
  checkedMasks.add(mask.dataId);
}

/** Keys a query may attend to because they are real tokens: bool [batch, 1, 1, seq] from a 0/1 mask [batch, seq]. */
export function keyAllowed(mask: tf.Tensor2D): tf.Tensor4D {
  const [batch, seq] = mask.shape;
  return tf.tidy(() => tf.reshape(tf.cast(mask, 'bool'), [batch, 1, 1, seq]));
}

/** Keys a query may attend to because they are not in its future: bool [1, 1, seq, seq], true where key ≤ query. */
export function causalAllowed(seq: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.reshape(tf.cast(tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0), 'bool'), [1, 1, seq, seq]),
  );
}
