import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import { describeRegisteredConformance, weightList, weightNames } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, maxRelativeError } from '@tost/vitest-config';
import { golden } from './golden.js';
import { TSSA, TSSA_ATTENTION_NAME } from './index.js';

describeRegisteredConformance('tssa', {
  causal: false,
  golden,
  descriptor: { complexity: 'linear', family: 'token-statistics', paper: { arxiv: '2412.17810' } },
});

describe('TSSA specifics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  /** A built layer with random weights (temperature away from 1 so a mix-up of weights shows). */
  function randomLayer(dim: number, heads: number, seed: number, extra: { dropout?: number } = {}): TSSA {
    const layer = new TSSA({ dim, heads, ...extra });
    layer.build([null, null, dim]);
    const values = layer
      .getWeights()
      .map((w, i) => tf.tidy(() => tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', seed + i), 0.5)));
    layer.setWeights(values);
    tf.dispose(values);
    return layer;
  }

  it("is registered as 'tssa', with biases by default and no causal option", () => {
    expect(TSSA_ATTENTION_NAME).toBe('tssa');
    expect(() => createAttention('tssa', { dim: 8, heads: 2, causal: true } as never)).toThrow(
      /unknown option 'causal'/,
    );
    expect(createAttention('tssa', { dim: 8, heads: 2 }).useBias).toBe(true);
  });

  it('lists weights in the documented order, names and shapes, with the documented initial values', () => {
    const layer = new TSSA({ dim: 6, heads: 3 });
    expect(weightList(layer, 6)).toEqual([
      ['qkv_kernel', [6, 6]],
      ['qkv_bias', [6]],
      ['temperature', [3, 1]],
      ['output_kernel', [6, 6]],
      ['output_bias', [6]],
    ]);
    const [qkvKernel, qkvBias, temperature, outKernel, outBias] = layer.getWeights();
    expect(Array.from(temperature!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(qkvBias!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(outBias!.dataSync()).every((v) => v === 0)).toBe(true);
    // glorotUniform: non-zero, bounded by sqrt(6 / (fanIn + fanOut)).
    const limit = Math.sqrt(6 / 12);
    for (const k of [qkvKernel!, outKernel!]) {
      const values = Array.from(k.dataSync());
      expect(values.some((v) => v !== 0)).toBe(true);
      expect(values.every((v) => Math.abs(v) <= limit)).toBe(true);
    }

    const noBias = new TSSA({ dim: 6, heads: 3, useBias: false });
    expect(weightNames(noBias, 6)).toEqual(['qkv_kernel', 'temperature', 'output_kernel', 'output_bias']);
  });

  it('Π sums to 1 over heads at real tokens and is 0 at padded tokens', () => {
    const layer = randomLayer(8, 4, 20);
    tf.tidy(() => {
      const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
      const maskValues = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1];
      const mask = tf.tensor2d(maskValues, [2, 5]);
      const [, pi] = layer.callAndReturnMembership(x, { mask });
      expect(pi.shape).toEqual([2, 4, 5]);
      const sums = tf.sum(pi, 1).dataSync();
      expectClose(sums, maskValues, { rtol: 0, atol: 1e-6, label: 'Σ_k Π' });
      expect(Array.from(pi.dataSync()).every((v) => v >= 0)).toBe(true);
    });
  });

  it('gives the output bias at padded tokens (the attention core outputs 0 there)', () => {
    const layer = randomLayer(8, 2, 30);
    tf.tidy(() => {
      const x = tf.randomNormal([1, 4, 8], 0, 1, 'float32', 2) as tf.Tensor3D;
      const mask = tf.tensor2d([[1, 1, 0, 1]]);
      const y = layer.apply(x, { mask }) as tf.Tensor;
      const padded = tf.slice(y, [0, 2, 0], [1, 1, 8]);
      const outputBias = layer.getWeights()[4]!;
      expectClose(padded.dataSync(), outputBias.dataSync(), { rtol: 0, atol: 1e-6, label: 'padded output' });
    });
  });

  it('is permutation-equivariant over tokens', () => {
    const layer = randomLayer(12, 3, 40);
    tf.tidy(() => {
      const x = tf.randomNormal([2, 7, 12], 0, 1, 'float32', 3) as tf.Tensor3D;
      const permutation = [4, 0, 6, 2, 1, 5, 3];
      const index = tf.tensor1d(permutation, 'int32');
      const [y, pi] = layer.callAndReturnMembership(x);
      const [yPermuted, piPermuted] = layer.callAndReturnMembership(tf.gather(x, index, 1) as tf.Tensor3D);
      expectClose(yPermuted.dataSync(), tf.gather(y, index, 1).dataSync(), {
        rtol: 1e-4,
        atol: 1e-5,
        label: 'output of permuted tokens',
      });
      expectClose(piPermuted.dataSync(), tf.gather(pi, index, 2).dataSync(), {
        rtol: 1e-4,
        atol: 1e-6,
        label: 'Π of permuted tokens',
      });
    });
  });

  it('applies dropout to the gain and the output, never to Π', () => {
    const layer = randomLayer(8, 2, 50, { dropout: 0.5 });
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 4) as tf.Tensor3D;
      const [yInference, piInference] = layer.callAndReturnMembership(x);
      const [yTraining, piTraining] = layer.callAndReturnMembership(x, { training: true });
      expectClose(piTraining.dataSync(), piInference.dataSync(), {
        rtol: 0,
        atol: 0,
        label: 'Π in training',
      });
      expect(maxRelativeError(yTraining.dataSync(), yInference.dataSync())).toBeGreaterThan(1e-3);
    });
  });

  it('callAndReturnMembership validates like apply, needs a built layer and leaks no tensors', async () => {
    const layer = randomLayer(8, 2, 60);
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 5);
    const mask = tf.tensor2d([1, 1, 1, 1, 0, 1, 1, 1, 1, 1], [2, 5]);
    expect(() => layer.callAndReturnMembership(tf.ones([5, 8]))).toThrow(/'inputs' must have rank 3/);
    expect(() => layer.callAndReturnMembership(x, { mask: tf.ones([2, 4]) })).toThrow(
      /'mask' must have shape \[batch, seq\] = \[2, 5\]/,
    );
    const unbuilt = new TSSA({ dim: 8, heads: 2, name: 'fresh_tssa' });
    expect(() => unbuilt.callAndReturnMembership(x)).toThrow(
      /TSSA 'fresh_tssa': callAndReturnMembership needs built weights/,
    );
    // The mask may also be passed as a second input.
    tf.tidy(() => {
      const [y1, pi1] = layer.callAndReturnMembership(x, { mask });
      const [y2, pi2] = layer.callAndReturnMembership([x, mask]);
      expectClose(y2.dataSync(), y1.dataSync(), { rtol: 0, atol: 0, label: 'y, mask as input' });
      expectClose(pi2.dataSync(), pi1.dataSync(), { rtol: 0, atol: 0, label: 'Π, mask as input' });
    });
    layer.callAndReturnMembership(x).forEach((t) => t.dispose()); // warm-up
    await expectNoLeakedTensors(
      () => layer.callAndReturnMembership(x, { mask, training: true }).forEach((t) => t.dispose()),
      'callAndReturnMembership',
    );
    await expectNoLeakedTensors(() => {
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const [y, pi] = layer.callAndReturnMembership(x, { mask });
        return tf.add(tf.sum(y), tf.sum(tf.square(pi))) as tf.Scalar;
      }, vars);
      tf.dispose([value, ...Object.values(grads)]);
    }, 'gradient through callAndReturnMembership');
    tf.dispose([x, mask]);
  });

  it('serialises as TSSA with the shared options', () => {
    const layer = new TSSA({ dim: 8, heads: 4, useBias: false, dropout: 0.1 });
    expect(layer.getClassName()).toBe('TSSA');
    expect(layer.getConfig()).toMatchObject({ dim: 8, heads: 4, useBias: false, dropout: 0.1 });
  });
});
