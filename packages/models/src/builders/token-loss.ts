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
 * Σ_t weight_t · (logsumexp(logits_t) − logits_t[label_t]) for logits [T, C], labels [T] (int32, in [0, C)) and weights
 * [T, 1] (positions of weight 0 add 0 and get a zero gradient, whatever their logits), with a hand-written gradient
 * dLogits_t = weight_t · (softmax(logits_t) − oneHot(label_t)) (the usual one).
 * Why: autodiff of tfjs's `logSoftmax` keeps and exponentiates [T, C] twice more (wasm's exp is a scalar loop, ~11 ns an
 * element: ~120 ms a training step for 12,288 positions × 256 classes); here one softmax (XNNPACK's on wasm) gives both
 * the loss and the gradient. Per position, logsumexp − logits[label] = (max − logits[label]) − log(max softmax), since
 * the largest weight is exp(0)/Σ: as precise as logSoftmax's x − max − log Σ.
 */
const weightedCrossEntropy = tf.customGrad(((
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  weight: tf.Tensor2D,
  save: tf.GradSaveFunc,
) => {
  const [positions, classes] = logits.shape;
  const p = tf.softmax(logits);
  // Each position's logit of its label, gathered from the flat logits (a product with a one-hot row would turn a
  // −Infinity logit elsewhere in the row into NaN).
  const flatIndex = tf.add(tf.mul(tf.range(0, positions, 1, 'int32'), tf.scalar(classes, 'int32')), labels);
  const picked = tf.reshape(tf.gather(tf.reshape(logits, [-1]), flatIndex), [positions, 1]);
  const perPosition = tf.sub(tf.sub(tf.max(logits, -1, true), picked), tf.log(tf.max(p, -1, true)));
  const counted = tf.where(tf.greater(weight, 0), tf.mul(perPosition, weight), tf.zerosLike(weight));
  save([p, labels, weight]);
  return {
    value: tf.sum(counted) as tf.Scalar,
    gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
      const [sp, sLabels, sWeight] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
      const dLogits = tf.mul(tf.sub(sp, tf.oneHot(sLabels, classes)), tf.mul(sWeight, dy));
      // A position of weight 0 whose logits are all −Infinity (a fully masked row) has a NaN softmax: 0, not NaN.
      const counted = tf.where(
        tf.broadcastTo(tf.greater(sWeight, 0), [positions, classes]),
        dLogits,
        tf.zerosLike(dLogits),
      );
      return [counted, tf.zerosLike(sLabels), tf.zerosLike(sWeight)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  weight: tf.Tensor2D,
) => tf.Scalar;

/** Throws unless every label is below `classes` (reads the labels once, synchronously: token ids, still on the CPU). */
function checkLabels(labels: tf.Tensor, classes: number): void {
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i]! >= classes) {
      throw new RangeError(
        `tokenCrossEntropy: labels must be class indices in [0, ${classes - 1}] or negative (−100: not counted), ` +
          `got ${values[i]} at position ${i} (flat index of labels [${labels.shape.join(', ')}])`,
      );
    }
  }
}

/**
 * Mean softmax cross-entropy (nats) over the labelled positions: `labels` [...] class indices or −100
 * (`IGNORE_LABEL`; any negative label is not counted), `logits` [..., classes]. 0 when nothing is labelled.
 * Differentiable in `logits`: (softmax − one-hot) / labelled count at labelled positions, 0 elsewhere.
 * Reads `labels` once, synchronously (as the layers read token ids).
 * @throws RangeError when the shapes do not match, or a label is ≥ classes (naming it and its position).
 */
export function tokenCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  checkShapes('tokenCrossEntropy', labels, logits);
  const classes = logits.shape[logits.rank - 1]!;
  checkLabels(labels, classes);
  return tf.tidy(() => {
    const flatLogits = tf.reshape(logits, [-1, classes]) as tf.Tensor2D;
    const flatLabels = tf.reshape(tf.cast(labels, 'int32'), [-1]);
    const labelled = tf.greaterEqual(flatLabels, 0);
    const weight = tf.cast(labelled, 'float32');
    const count = tf.maximum(tf.sum(weight), 1);
    // Unlabelled positions: weight 0, and class 0 stands in for their label.
    const safe = tf.where(labelled, flatLabels, tf.zerosLike(flatLabels)) as tf.Tensor1D;
    return weightedCrossEntropy(flatLogits, safe, tf.reshape(tf.div(weight, count), [-1, 1]) as tf.Tensor2D);
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
