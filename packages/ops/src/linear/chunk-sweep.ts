import * as tf from '@tensorflow/tfjs-core';

/**
 * Helpers for a sweep that carries a state from chunk to chunk of many sequences at once (the sequential part of a
 * chunk-wise linear attention): chunk j of every sequence is one [m, r, s] tensor, so each step is a few batched ops
 * over all m sequences (batch·heads) and the number of kernels grows with the number of chunks only.
 */

/**
 * [m·n, r, s] (m sequences of n chunks, sequence by sequence) → n tensors [m, r, s], the j-th holding chunk j of every
 * sequence (one `tf.unstack` along the chunk axis; a reshape when n = 1).
 * @throws RangeError when the leading axis is not a multiple of `sequences`.
 */
export function unstackChunks(t: tf.Tensor, sequences: number): tf.Tensor3D[] {
  const [rows, r, s] = t.shape as [number, number, number];
  if (t.rank !== 3 || !Number.isInteger(sequences) || sequences < 1 || rows % sequences !== 0) {
    throw new RangeError(
      `unstackChunks: argument 't' must be [m·n, r, s] with m = ${String(sequences)} sequences, got [${t.shape.join(', ')}]`,
    );
  }
  const n = rows / sequences;
  if (n === 1) return [tf.reshape(t, [sequences, r, s])];
  return tf.unstack(tf.reshape(t, [sequences, n, r, s]), 1) as tf.Tensor3D[];
}

/** The inverse of `unstackChunks`: n tensors [m, r, s] (chunk by chunk) → [m·n, r, s] (sequence by sequence). */
export function stackChunks(parts: readonly tf.Tensor[]): tf.Tensor3D {
  const [m, r, s] = parts[0]!.shape as [number, number, number];
  const whole = parts.length === 1 ? parts[0]! : tf.stack(parts as tf.Tensor[], 1);
  return tf.reshape(whole, [m * parts.length, r, s]);
}

/**
 * One step of a sweep: runs `step` in its own tidy (only what it returns survives) and then disposes `previous`, the
 * carried tensor the step replaces (pass undefined to keep it, e.g. a caller's initial state).
 */
export function sweepStep<T extends tf.TensorContainer>(previous: tf.Tensor | undefined, step: () => T): T {
  const result = tf.tidy(step);
  previous?.dispose();
  return result;
}
