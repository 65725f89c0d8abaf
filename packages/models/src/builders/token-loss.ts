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
 * Σ_t weight_t · (logsumexp(logits_t) − logits_t[label_t]) for logits [T, C], one-hot labels [T, C] and weights
 * [T, 1], with a hand-written gradient dLogits_t = weight_t · (softmax(logits_t) − oneHot_t) (the usual one).
 * Why: autodiff of tfjs's `logSoftmax` keeps and exponentiates [T, C] twice more (wasm's exp is a scalar loop, ~11 ns an
 * element: 120 ms a training step for 12,288 positions × 256 classes); here one softmax (XNNPACK's on wasm) gives both
 * the loss and the gradient. Per position, logsumexp − logits[label] = (max − logits[label]) − log(max softmax), since
 * the largest weight is exp(0)/Σ: the difference of logits is taken first, so a small loss keeps its precision.
 */
const weightedCrossEntropy = tf.customGrad(((
  logits: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  weight: tf.Tensor2D,
  save: tf.GradSaveFunc,
) => {
  const p = tf.softmax(logits);
  const picked = tf.sum(tf.mul(oneHot, logits), -1, true);
  const perPosition = tf.sub(tf.sub(tf.max(logits, -1, true), picked), tf.log(tf.max(p, -1, true)));
  save([p, oneHot, weight]);
  return {
    value: tf.sum(tf.mul(perPosition, weight)) as tf.Scalar,
    gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
      const [sp, sOneHot, sWeight] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const dLogits = tf.mul(tf.sub(sp, sOneHot), tf.mul(sWeight, dy));
      return [dLogits, tf.zerosLike(sOneHot), tf.zerosLike(sWeight)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  logits: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  weight: tf.Tensor2D,
) => tf.Scalar;

/**
 * Mean softmax cross-entropy (nats) over the labelled positions: `labels` [...] class indices or −100
 * (`IGNORE_LABEL`, not counted), `logits` [..., classes]. 0 when nothing is labelled. Differentiable in `logits`
 * (gradient (softmax − one-hot) / labelled count at labelled positions, 0 elsewhere).
 * @throws RangeError when the shapes do not match.
 */
export function tokenCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  checkShapes('tokenCrossEntropy', labels, logits);
  return tf.tidy(() => {
    const classes = logits.shape[logits.rank - 1]!;
    const flatLogits = tf.reshape(logits, [-1, classes]) as tf.Tensor2D;
    const flatLabels = tf.reshape(tf.cast(labels, 'int32'), [-1]);
    const labelled = tf.greaterEqual(flatLabels, 0);
    const weight = tf.cast(labelled, 'float32');
    const count = tf.maximum(tf.sum(weight), 1);
    // Unlabelled positions: weight 0, and class 0 stands in for their label.
    const safe = tf.where(labelled, flatLabels, tf.zerosLike(flatLabels));
    const oneHot = tf.cast(tf.oneHot(safe, classes), 'float32') as tf.Tensor2D;
    return weightedCrossEntropy(
      flatLogits,
      oneHot,
      tf.reshape(tf.div(weight, count), [-1, 1]) as tf.Tensor2D,
    );
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
