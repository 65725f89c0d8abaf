import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
type CompileArgs = tfl.ModelCompileArgs;
type Metrics = NonNullable<CompileArgs['metrics']>;

/**
 * Sparse categorical cross-entropy computed from LOGITS: yTrue holds class indices ([B] or [B, 1]; for a language
 * model [B, L]), yPred logits [..., classes]; returns the per-example loss [...] (tfjs averages it). Numerically
 * stable (log-softmax). For 3 classes and equal logits it is ln 3 ≈ 1.0986.
 *
 * Pass it to `model.compile({ loss: sparseCategoricalCrossentropyFromLogits })`, or simply the string
 * `'sparseCategoricalCrossentropy'`: a model from this package's builders maps that string to this function when its
 * output is logits (see `ToSTModel.compile`).
 */
export function sparseCategoricalCrossentropyFromLogits(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = yPred.shape[yPred.rank - 1]!;
    const labels = tf.cast(tf.reshape(yTrue, [-1]), 'int32');
    const oneHot = tf.reshape(tf.oneHot(labels, classes), yPred.shape);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(yPred)), -1));
  });
}

/** Categorical cross-entropy from LOGITS: yTrue one-hot (or soft) targets [..., classes], yPred logits [..., classes]. */
export function categoricalCrossentropyFromLogits(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.cast(yTrue, 'float32'), tf.logSoftmax(yPred)), -1)));
}

/** The sparse cross-entropy metric from logits, reported as 'ce'. */
function ce(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return sparseCategoricalCrossentropyFromLogits(yTrue, yPred);
}

const FROM_LOGITS: Record<string, LossFn> = {
  sparseCategoricalCrossentropy: sparseCategoricalCrossentropyFromLogits,
  categoricalCrossentropy: categoricalCrossentropyFromLogits,
};

/** tfjs-layers' probability-based cross-entropies: by name, or `tf.metrics.categoricalCrossentropy` by identity. */
function probabilityLossName(loss: unknown): string | undefined {
  if (typeof loss === 'string') return loss in FROM_LOGITS ? loss : undefined;
  if (loss === tfl.metrics.categoricalCrossentropy) return 'categoricalCrossentropy';
  return undefined;
}

export function isFromLogitsLoss(loss: unknown): boolean {
  return Object.values(FROM_LOGITS).includes(loss as LossFn);
}

export interface FromLogitsPlan {
  /** The compile arguments to hand to tfjs: the loss unchanged (tfjs checks target shapes by its identity). */
  args: CompileArgs;
  /** Per output (in `outputNames` order): the from-logits loss that must replace tfjs's, or undefined. */
  lossFunctions: (LossFn | undefined)[];
  /** What was replaced, e.g. "loss 'sparseCategoricalCrossentropy' → sparseCategoricalCrossentropyFromLogits". */
  replaced: string[];
}

/**
 * For a model whose outputs are logits: tfjs's probability cross-entropies 'sparseCategoricalCrossentropy' and
 * 'categoricalCrossentropy' clip their input to [ε, 1 − ε], so logits would be trained as if they were
 * probabilities. The plan keeps the loss as given for tfjs's compile (tfjs chooses the target shape — class indices
 * [B, 1] for the sparse loss — and resolves the 'accuracy' shorthand from the loss's identity, and argmax accuracy
 * is the same on logits) and lists the from-logits function each output's loss must be swapped for after compiling;
 * the cross-entropy METRICS ('crossentropy'/'ce' with a sparse loss, or the named cross-entropies) are replaced
 * directly. Anything else passes through unchanged.
 */
export function planFromLogits(args: CompileArgs, outputNames: string[]): FromLogitsPlan {
  const replaced: string[] = [];
  const loss = args.loss as unknown;
  const perOutput = outputNames.map((name, i) =>
    Array.isArray(loss)
      ? loss[i]
      : loss !== null && typeof loss === 'object'
        ? (loss as Record<string, unknown>)[name]
        : loss,
  );
  const lossFunctions = perOutput.map((l) => {
    const name = probabilityLossName(l);
    return name === undefined ? undefined : FROM_LOGITS[name];
  });
  for (const name of new Set(perOutput.map(probabilityLossName).filter((n) => n !== undefined))) {
    replaced.push(`loss '${name}' → ${FROM_LOGITS[name]!.name}`);
  }
  const sparse = perOutput.some(
    (l) =>
      probabilityLossName(l) === 'sparseCategoricalCrossentropy' ||
      l === sparseCategoricalCrossentropyFromLogits,
  );
  const mapMetric = (metric: unknown): unknown => {
    if (typeof metric === 'string' && sparse && ['crossentropy', 'ce'].includes(metric)) {
      replaced.push(`metric '${metric}' → sparseCategoricalCrossentropyFromLogits`);
      return ce;
    }
    const name = probabilityLossName(metric);
    if (name === undefined) return metric;
    replaced.push(`metric '${name}' → ${FROM_LOGITS[name]!.name}`);
    return FROM_LOGITS[name];
  };
  let metrics: unknown = args.metrics;
  if (Array.isArray(metrics)) metrics = metrics.map(mapMetric);
  else if (metrics !== null && typeof metrics === 'object')
    metrics = Object.fromEntries(Object.entries(metrics as object).map(([k, v]) => [k, mapMetric(v)]));
  else if (metrics !== undefined) metrics = mapMetric(metrics);
  return {
    args: { ...args, ...(metrics !== undefined ? { metrics: metrics as Metrics } : {}) },
    lossFunctions,
    replaced,
  };
}
