import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchTensors, type Batch } from './batch.js';
import { classificationLoss } from './classification.js';

export interface Evaluation {
  /** Mean cross-entropy over the examples seen. */
  loss: number;
  /** Fraction of correct arg-max predictions (0–1). */
  accuracy: number;
  examples: number;
}

/** Accuracy and mean loss of a classifier (inference mode) over (at most `maxBatches` of) `batches`. */
export async function evaluate(
  model: tfl.LayersModel,
  batches: Iterable<Batch>,
  maxBatches = Infinity,
): Promise<Evaluation> {
  let lossSum = 0;
  let correct = 0;
  let examples = 0;
  let seen = 0;
  for (const batch of batches) {
    if (seen++ >= maxBatches) break;
    const [l, c] = tf.tidy(() => {
      const { inputs, labels } = batchTensors(batch);
      const r = classificationLoss(model.predict(inputs) as tf.Tensor, labels);
      return [tf.mul(r.loss, batch.size), r.correct];
    });
    lossSum += (await l!.data())[0]!;
    correct += (await c!.data())[0]!;
    examples += batch.size;
    tf.dispose([l!, c!]);
  }
  return { loss: lossSum / Math.max(1, examples), accuracy: correct / Math.max(1, examples), examples };
}
