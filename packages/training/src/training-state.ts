import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { AdamW } from './adamw.js';
import type { LoadedCheckpoint } from './checkpoint-store.js';

/**
 * The tensors a checkpoint holds to continue a run exactly: every model weight as `model/<i>/<name>` (in the model's
 * weight order) and the optimizer's first and second moments as `optimizer/<i>/m` and `optimizer/<i>/v` (in its
 * variable order). The tensors are the live ones: write them before the next update.
 */
export function trainingStateTensors(
  model: tfl.LayersModel,
  optimizer: AdamW,
): { name: string; tensor: tf.Tensor }[] {
  const state = optimizer.state();
  return [
    ...model.weights.map((w, i) => ({ name: `model/${i}/${w.originalName}`, tensor: w.read() })),
    ...state.moments.map((t, i) => ({ name: `optimizer/${i >> 1}/${i % 2 === 0 ? 'm' : 'v'}`, tensor: t })),
  ];
}

/**
 * Sets the model's weights and the optimizer's moments and step count from a checkpoint written with
 * `trainingStateTensors`. Weights are matched by position and shape (layer names carry a per-process counter; the
 * order and shapes are the model's). The checkpoint's tensors stay the caller's to dispose.
 *
 * @throws Error naming the checkpoint file when a model weight of the right shape or an optimizer moment is missing;
 *   nothing is changed then.
 */
export function restoreTrainingState(
  saved: LoadedCheckpoint,
  model: tfl.LayersModel,
  optimizer: AdamW,
): void {
  const byIndex = new Map<number, tf.Tensor>();
  for (const [name, t] of saved.tensors) {
    const m = /^model\/(\d+)\//.exec(name);
    if (m) byIndex.set(Number(m[1]), t);
  }
  const weights = model.weights.map((w, i) => {
    const t = byIndex.get(i);
    if (!t || !tf.util.arraysEqual(t.shape, w.shape as number[])) {
      throw new Error(
        `checkpoint ${saved.file} has no tensor of shape [${w.shape.join(', ')}] for model weight ${i} ('${w.originalName}')`,
      );
    }
    return t;
  });
  const moments = Array.from({ length: optimizer.state().moments.length / 2 }, (_, i) =>
    ['m', 'v'].map((k) => {
      const t = saved.tensors.get(`optimizer/${i}/${k}`);
      if (!t) throw new Error(`checkpoint ${saved.file} has no optimizer moment ${i}/${k}`);
      return t;
    }),
  ).flat();
  model.setWeights(weights);
  optimizer.restore(saved.step, moments);
}
