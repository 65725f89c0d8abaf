import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Loss of the model in inference mode (no dropout). */
export function evaluate(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  loss: (output: tf.Tensor) => tf.Tensor,
): number {
  return tf.tidy(() => loss(model.predict(inputs) as tf.Tensor).dataSync()[0]!);
}

export interface TrainingOptions {
  /** Adam steps (default 30). */
  steps?: number;
  /** Adam learning rate (default 5e-3: small enough that no toy run overshoots, large enough to learn in 30 steps). */
  learningRate?: number;
}

/**
 * Inference-mode loss (no dropout, so no sampling noise) before and after `steps` Adam steps with dropout on.
 * Tests assert a clear drop (e.g. `after < 0.5 * before`): broken gradients leave the loss where it was.
 */
export function lossBeforeAndAfterTraining(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  loss: (output: tf.Tensor) => tf.Tensor,
  { steps = 30, learningRate = 5e-3 }: TrainingOptions = {},
): { before: number; after: number } {
  const before = evaluate(model, inputs, loss);
  trainSteps(model, inputs, loss, steps, learningRate);
  return { before, after: evaluate(model, inputs, loss) };
}

/** Runs `steps` Adam steps of `loss(model(inputs, training))`; returns the loss before each step. */
export function trainSteps(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  loss: (output: tf.Tensor) => tf.Tensor,
  steps: number,
  learningRate: number,
): number[] {
  const optimizer = tf.train.adam(learningRate);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const value = optimizer.minimize(
      () => loss(model.apply(inputs, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    )!;
    losses.push(value.dataSync()[0]!);
    value.dispose();
  }
  optimizer.dispose();
  return losses;
}

/** model.save into memory, tf.loadLayersModel back, and the same outputs bit for bit. */
export async function expectSaveLoadIdentical(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
  const before = model.predict(inputs) as tf.Tensor;
  const after = loaded.predict(inputs) as tf.Tensor;
  expect(after.shape).toEqual(before.shape);
  expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
  tf.dispose([before, after]);
  loaded.dispose();
}
