import * as tf from '@tensorflow/tfjs-core';

/**
 * Why this file exists: tfjs-core 4.22's gradient of `Tile` adds up one `slice` per tile (nested loops over the
 * repetitions). tfjs-layers' LayerNormalization tiles γ and β to [batch, tokens, 1], so every LayerNorm in a
 * training step costs 2 × batch × tokens slice+add kernels: 12,000+ kernels per step for a one-block model at
 * batch 16 × 129 tokens, which made backward 25× slower than forward on wasm. This gradient does the same sum in
 * one reshape + sum per tiled axis.
 *
 * Maths: tile repeats x (shape s) r_d times along axis d, output index q·s_d + p (q < r_d, p < s_d). Reshaping dy's
 * axis d to [r_d, s_d] (row-major) puts the repetition q on its own axis; summing over it gives dL/dx.
 */
export function tileGradient(dy: tf.Tensor, xShape: readonly number[], reps: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    let g = dy;
    for (let d = 0; d < xShape.length; d++) {
      const r = reps[d]!;
      if (r === 1) continue;
      const before = xShape.slice(0, d).reduce((a, b) => a * b, 1);
      const after = g.shape.slice(d + 1).reduce((a, b) => a * b, 1);
      const summed = tf.sum(tf.reshape(g, [before, r, xShape[d]!, after]), 1);
      g = tf.reshape(summed, [...xShape.slice(0, d + 1), ...g.shape.slice(d + 1)]);
    }
    return tf.reshape(g, [...xShape]);
  });
}

let installed = false;

/**
 * Replaces tfjs-core's gradient of the `Tile` kernel by `tileGradient` (same values, O(rank) kernels instead of one
 * slice + add per tile), for every backend: tfjs' gradient registry is global, so this affects every model trained in
 * the page or process. Idempotent; called by `initBackend` (tfjs logs an "Overriding the gradient" line only when its
 * DEBUG flag is on). Registers nothing at import time.
 */
export function installFastTileGradient(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { reps } = attrs as unknown as { reps: number[] };
      return { x: () => tileGradient(dy as tf.Tensor, x.shape, reps) };
    },
  });
}
