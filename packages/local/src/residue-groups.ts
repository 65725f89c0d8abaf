import * as tf from '@tensorflow/tfjs-core';

/**
 * Dilation as regrouping (DiNAT, Hassani & Shi, arXiv 2209.15001, §3.2): with dilation d, token i only meets tokens j
 * with (i − j) mod d = 0, i.e. tokens of its own residue class i mod d, and |i − j| ≤ w·d means at most w steps apart
 * inside that class. So each residue class is an ordinary sequence with a sliding window of w.
 *
 * `toResidueGroups` turns [batch, heads, seq, p] into [batch·heads·d, L, p] with L = ⌈seq/d⌉: group (b, h, r) holds
 * tokens r, r + d, r + 2d, … of head h of sample b (positions past the end are zero; mark them padded with
 * `maskToResidueGroups`). `fromResidueGroups` is its inverse.
 */
export function toResidueGroups(t: tf.Tensor4D, dilation: number): tf.Tensor3D {
  const [batch, heads, seq, p] = t.shape;
  const length = Math.ceil(seq / dilation);
  return tf.tidy(() => {
    if (dilation === 1) return tf.reshape(t, [batch * heads, seq, p]);
    const padded = tf.pad(t, [
      [0, 0],
      [0, 0],
      [0, length * dilation - seq],
      [0, 0],
    ]);
    const split = tf.reshape(padded, [batch, heads, length, dilation, p]);
    return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4]), [batch * heads * dilation, length, p]);
  });
}

/** Inverse of `toResidueGroups`: [batch·heads·d, L, p] → [batch, heads, seq, p]. */
export function fromResidueGroups(
  groups: tf.Tensor3D,
  shape: readonly [number, number, number, number],
  dilation: number,
): tf.Tensor4D {
  const [batch, heads, seq, p] = shape;
  const length = groups.shape[1];
  return tf.tidy(() => {
    if (dilation === 1) return tf.reshape(groups, [batch, heads, seq, p]) as tf.Tensor4D;
    const split = tf.reshape(groups, [batch, heads, dilation, length, p]);
    const merged = tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4]), [batch, heads, length * dilation, p]);
    return tf.slice(merged, [0, 0, 0, 0], [batch, heads, seq, p]) as tf.Tensor4D;
  });
}

/**
 * The real-token mask [batch, seq] (1 = token; undefined = all real) in the layout of `toResidueGroups`:
 * [batch·heads·d, L] floats, with the positions past the end of the sequence marked 0.
 */
export function maskToResidueGroups(
  mask: tf.Tensor2D | undefined,
  batch: number,
  seq: number,
  heads: number,
  dilation: number,
): tf.Tensor2D {
  const length = Math.ceil(seq / dilation);
  return tf.tidy(() => {
    const real = mask ? tf.cast(mask, 'float32') : tf.ones([batch, seq]);
    const padded = tf.pad(real, [
      [0, 0],
      [0, length * dilation - seq],
    ]);
    const byClass = tf.transpose(tf.reshape(padded, [batch, length, dilation]), [0, 2, 1]); // [B, d, L]
    const perHead = tf.tile(tf.expandDims(byClass, 1), [1, heads, 1, 1]); // [B, H, d, L]
    return tf.reshape(perHead, [batch * heads * dilation, length]);
  });
}
