import * as tf from '@tensorflow/tfjs-core';

/**
 * The 2-D slices t[0], t[1], … of a rank-3 tensor. On wasm by halving (each `slice` there copies its whole source,
 * so halving costs O(size·log m) instead of O(size·m) for m separate slices; `gather` is slower still); elsewhere
 * `tf.unstack`. Iterative (an explicit work list), so the call depth does not grow with m.
 */
export function splitLeading(t: tf.Tensor3D): tf.Tensor2D[] {
  if (tf.getBackend() !== 'wasm') return tf.unstack(t) as tf.Tensor2D[];
  const out: tf.Tensor2D[] = [];
  // Depth-first, first half before second: leaves come out in order.
  const pending: { piece: tf.Tensor3D; owned: boolean }[] = [{ piece: t, owned: false }];
  while (pending.length > 0) {
    const { piece, owned } = pending.pop()!;
    const [m, a, b] = piece.shape;
    if (m === 1) {
      out.push(tf.reshape(piece, [a, b]));
    } else {
      const half = Math.floor(m / 2);
      const first = tf.slice(piece, [0, 0, 0], [half, a, b]);
      const second = tf.slice(piece, [half, 0, 0], [m - half, a, b]);
      pending.push({ piece: second, owned: true }, { piece: first, owned: true });
    }
    if (owned) piece.dispose();
  }
  return out;
}
