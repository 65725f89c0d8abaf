import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Batch } from './batch.js';
import { classificationGradients, trainableVariables } from './classification.js';

/** Gradients of one global batch, averaged over its examples, with what the progress line shows. */
export interface BatchGradients {
  /** By variable name (the caller disposes them). */
  grads: tf.NamedTensorMap;
  /** Mean loss and number of correct predictions over the batch. */
  loss: number;
  correct: number;
  /** Per replica (data-parallel): examples it processed and seconds it spent computing. */
  replicas?: { examples: number; seconds: number }[];
}

/**
 * Computes a step's gradients for `fit`: in this thread (`localGradients`) or spread over worker threads
 * (`startDataParallel` in `@tost/training/node`).
 */
export interface GradientEngine {
  /** Number of model replicas computing each step (1 = this thread only). */
  readonly replicas: number;
  /** Gradients of the mean loss over `batch` for the 1-based `step`. */
  gradients(batch: Batch, step: number): Promise<BatchGradients>;
  /** Called after the model's weights changed (an optimizer update, a restored checkpoint). */
  weightsChanged(step: number): Promise<void>;
  /** Stops workers, frees buffers; safe to call twice. */
  dispose(): Promise<void>;
}

/** The single-thread engine: the whole batch through the model in this thread. */
export function localGradients(model: tfl.LayersModel): GradientEngine {
  const variables = trainableVariables(model);
  return {
    replicas: 1,
    async gradients(batch) {
      const r = classificationGradients(model, variables, batch);
      const [loss, correct] = await Promise.all([r.loss.data(), r.correct.data()]);
      tf.dispose([r.loss, r.correct]);
      return { grads: r.grads, loss: loss[0]!, correct: correct[0]! };
    },
    weightsChanged: () => Promise.resolve(),
    dispose: () => Promise.resolve(),
  };
}
