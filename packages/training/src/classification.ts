import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchTensors, type Batch } from './batch.js';

/**
 * Mean softmax cross-entropy and the number of correct arg-max predictions; `logits` [B, classes], `labels` [B]
 * class indices.
 */
export function classificationLoss(
  logits: tf.Tensor,
  labels: tf.Tensor1D,
): { loss: tf.Scalar; correct: tf.Scalar } {
  const classes = logits.shape[logits.shape.length - 1]!;
  const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits) as tf.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32')) as tf.Scalar;
  return { loss, correct };
}

/**
 * Gradients of the batch's mean classification loss with respect to `variables` (training mode: dropout on), keyed
 * by variable name, with the loss and the correct count. Every returned tensor is the caller's to dispose.
 */
export function classificationGradients(
  model: tfl.LayersModel,
  variables: tf.Variable[],
  batch: Batch,
): { grads: tf.NamedTensorMap; loss: tf.Scalar; correct: tf.Scalar } {
  return tf.tidy(() => {
    const { inputs, labels } = batchTensors(batch);
    let correct: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(inputs, { training: true }) as tf.Tensor;
      const r = classificationLoss(logits, labels);
      correct = tf.keep(r.correct);
      return r.loss;
    }, variables);
    return { grads, loss: value, correct: correct! };
  });
}

/** The model's trainable weights as the variables gradients are taken for (in the model's order). */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}
