import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildCausalLM, buildSequenceClassifier } from '@tost/models';
import { getAttentionDescriptor } from '@tost/variants';

/** The shape of the measured model: one block, as in `tost-bench scaling --mode train` but with the whole model. */
export const TRAIN_STEP_SHAPE = {
  dim: 64,
  heads: 4,
  depth: 1,
  batch: 1,
  vocabSize: 16,
  numClasses: 10,
} as const;

export interface TrainStepMeasurement {
  variant: string;
  length: number;
  /** Median wall time of the timed steps, milliseconds (after one untimed warm-up step). */
  milliseconds: number;
  /** Peak tensor memory during one step (weights, optimiser state and activations), bytes (tf.profile). */
  peakBytes: number;
}

function disposeModel(model: tfl.LayersModel): void {
  // LayersModel.dispose() refuses models only ever called eagerly; their weights are freed directly.
  for (const w of model.weights) w.dispose();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Builds a one-block model with attention `variant` at `length` tokens — a sequence classifier (class loss), or for a
 * causal attention a language model (next-token loss over every position) — and times train steps (forward,
 * backward, Adam update) on random token ids; frees everything it made.
 */
export async function measureTrainStep(
  variant: string,
  length: number,
  timedSteps = 2,
): Promise<TrainStepMeasurement> {
  const s = TRAIN_STEP_SHAPE;
  const common = { vocabSize: s.vocabSize, maxLength: length, dim: s.dim, depth: s.depth, heads: s.heads };
  const { causal } = getAttentionDescriptor(variant);
  const model = causal
    ? buildCausalLM({ ...common, attention: variant })
    : buildSequenceClassifier({ ...common, numClasses: s.numClasses, attention: variant });
  const optimizer = tf.train.adam(1e-3);
  const ids = tf.randomUniform([s.batch, length], 1, s.vocabSize, 'int32', 7);
  const labels = causal
    ? tf.oneHot(tf.randomUniform([s.batch, length], 1, s.vocabSize, 'int32', 8) as tf.Tensor2D, s.vocabSize)
    : tf.oneHot(tf.zeros([s.batch], 'int32'), s.numClasses);
  const step = () =>
    tf.tidy(() =>
      optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(ids, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
        true,
      )!,
    );
  const run = async () => {
    const loss = step();
    await loss.data();
    loss.dispose();
  };
  try {
    await run(); // warm-up: builds the optimiser state and compiles kernels/shaders
    const times: number[] = [];
    for (let i = 0; i < timedSteps; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    const profile = await tf.profile(run);
    return { variant, length, milliseconds: median(times), peakBytes: profile.peakBytes };
  } finally {
    tf.dispose([ids, labels]);
    optimizer.dispose();
    disposeModel(model);
  }
}
