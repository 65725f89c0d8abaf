import * as tf from '@tensorflow/tfjs-core';

/** The label of a position that no loss or accuracy counts (PyTorch's `ignore_index` default). */
export const IGNORE_LABEL = -100;

function checkShapes(owner: string, labels: tf.Tensor, logits: tf.Tensor): void {
  const expected = logits.shape.slice(0, -1);
  if (logits.rank < 2 || labels.shape.join() !== expected.join()) {
    throw new RangeError(
      `${owner}: labels must have the logits' shape without the class axis [${expected.join(', ')}], got ` +
        `[${labels.shape.join(', ')}] for logits [${logits.shape.join(', ')}]`,
    );
  }
}

/**
 * Mean softmax cross-entropy (nats) over the labelled positions: `labels` [...] class indices or −100
 * (`IGNORE_LABEL`, not counted), `logits` [..., classes]. 0 when nothing is labelled. Differentiable in `logits`.
 * @throws RangeError when the shapes do not match.
 */
export function tokenCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  checkShapes('tokenCrossEntropy', labels, logits);
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const flatLogits = tf.reshape(logits, [-1, classes]);
    const flatLabels = tf.reshape(tf.cast(labels, 'int32'), [-1]);
    const weight = tf.cast(tf.greaterEqual(flatLabels, 0), 'float32');
    const safe = tf.mul(flatLabels, tf.cast(weight, 'int32'));
    const logProbs = tf.logSoftmax(flatLogits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(safe, classes)), -1);
    const count = tf.maximum(tf.sum(weight), 1);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, weight))), count) as tf.Scalar;
  });
}

/**
 * Correct arg-max predictions and labelled positions (labels ≥ 0) as numbers-in-tensors: `{ correct, labelled }`
 * scalars, the caller's to dispose. Shapes as `tokenCrossEntropy`.
 */
export function tokenAccuracyCounts(
  labels: tf.Tensor,
  logits: tf.Tensor,
): { correct: tf.Scalar; labelled: tf.Scalar } {
  checkShapes('tokenAccuracyCounts', labels, logits);
  return tf.tidy(() => {
    const l = tf.cast(labels, 'int32');
    const labelled = tf.cast(tf.greaterEqual(l, 0), 'float32');
    const hit = tf.cast(tf.equal(tf.cast(tf.argMax(logits, -1), 'int32'), l), 'float32');
    return { correct: tf.sum(tf.mul(hit, labelled)) as tf.Scalar, labelled: tf.sum(labelled) as tf.Scalar };
  });
}
