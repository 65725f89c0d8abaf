import * as tf from '@tensorflow/tfjs-core';
import { it, expect } from 'vitest';
import { expectNoLeakedTensors, maxRelativeError } from '@tost/vitest-config';
import type { AttentionLayer } from '../attention-layer.js';
import type { AttentionOptions } from '../options.js';
import { setRandomWeights } from './random-weights.js';

/**
 * An independent (usually quadratic, written from the definition) forward pass of a variant: x [batch, seq, dim],
 * the layer's weights in `getWeights()` order, mask [batch, seq] of 1 = token / 0 = padding, and the layer's
 * `dim` and `heads`; returns y [batch, seq, dim]. Built from differentiable tfjs ops: autodiff of it is the
 * reference for the layer's gradients.
 */
export type ReferenceForward = (
  x: tf.Tensor3D,
  weights: tf.Tensor[],
  mask: tf.Tensor2D,
  shape: { dim: number; heads: number },
) => tf.Tensor;

/** A reference forward pass and the input it is checked on. */
export interface ReferenceCheck {
  forward: ReferenceForward;
  /** Tokens per sample (default 300: several chunks or blocks of 64). */
  seq?: number;
  /** Padded tokens at the end of sample 1 of 2 (default 37). */
  padded?: number;
  /** Seeds: trainable weight i from seed + i, x from seed + 10, the output probe from seed + 11 (default 40). */
  seed?: number;
  /** Standard deviation of the random trainable weights (default 0.4); non-trainable weights keep their values. */
  weightStd?: number;
  /** Width and heads (defaults 8 and 2), and further layer options. */
  dim?: number;
  heads?: number;
  options?: Record<string, unknown>;
  /** Largest norm-wise relative error of the values and of each gradient (default 1e-4). */
  tolerance?: number;
}

/**
 * Declares the reference test (in the current suite, whose backend is already set): on a padded batch longer than a
 * few chunks, the layer's outputs at real tokens and its gradients with respect to every trainable weight (of a
 * random projection of the outputs at real tokens) equal those of the reference, within `tolerance`; no tensor leaks.
 */
export function referenceTests(
  factory: (options: AttentionOptions) => AttentionLayer,
  reference: ReferenceForward | ReferenceCheck,
): void {
  const check = typeof reference === 'function' ? { forward: reference } : reference;
  const { forward, seq = 300, padded = 37, seed = 40, weightStd = 0.4, dim = 8, heads = 2 } = check;
  const tolerance = check.tolerance ?? 1e-4;
  it(`equals its reference on ${seq} tokens with padding (several chunks): values and gradients`, async () => {
    const layer = factory({ dim, heads, ...(check.options ?? {}) } as AttentionOptions);
    setRandomWeights(layer, { dim, seed, std: weightStd });
    await expectNoLeakedTensors(() => {
      tf.tidy(() => {
        const x = tf.randomNormal([2, seq, dim], 0, 1, 'float32', seed + 10) as tf.Tensor3D;
        const mask = tf.concat(
          [tf.ones([1, seq]), tf.concat([tf.ones([1, seq - padded]), tf.zeros([1, padded])], 1)],
          0,
        ) as tf.Tensor2D;
        const real = tf.reshape(mask, [2, seq, 1]);
        const probe = tf.mul(tf.randomNormal([2, seq, dim], 0, 1, 'float32', seed + 11), real);
        const weights = layer.getWeights();
        const y = layer.apply(x, { mask }) as tf.Tensor;
        const expected = forward(x, weights, mask, { dim, heads });
        // Multiplied by the mask (not sliced): a NaN at a padded token still fails.
        expect(
          maxRelativeError(tf.mul(y, real).dataSync(), tf.mul(expected, real).dataSync()),
          'values at real tokens',
        ).toBeLessThan(tolerance);
        const trainable = layer.trainableWeights.length;
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const ours = tf.variableGrads(
          () => tf.sum(tf.mul(layer.apply(x, { mask }) as tf.Tensor, probe)) as tf.Scalar,
          vars,
        );
        const theirs = tf.grads((...ws: tf.Tensor[]) =>
          tf.sum(tf.mul(forward(x, [...ws, ...weights.slice(trainable)], mask, { dim, heads }), probe)),
        )(weights.slice(0, trainable));
        vars.forEach((v, i) =>
          expect(
            maxRelativeError(ours.grads[v.name]!.dataSync(), theirs[i]!.dataSync()),
            `gradient of ${layer.trainableWeights[i]!.name}`,
          ).toBeLessThan(tolerance),
        );
      });
    }, 'reference check');
    layer.weights.forEach((w) => w.dispose());
  });
}
