import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import {
  describeRegisteredConformance,
  setRandomWeights,
  weightList,
  weightNames,
} from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { golden } from './golden.js';
import { CausalTSSA } from './index.js';

describeRegisteredConformance('causal-tssa', {
  causal: true,
  streaming: true,
  golden,
  options: { maxLength: 64 },
  descriptor: { complexity: 'linear', family: 'token-statistics', paper: { arxiv: '2412.17810' } },
});

describe('CausalTSSA specifics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('lists its weights in the documented order, shapes and initial values', () => {
    const withBias = new CausalTSSA({ dim: 6, heads: 3, maxLength: 5, useBias: true });
    expect(weightList(withBias, 6)).toEqual([
      ['qkv_kernel', [6, 6]],
      ['qkv_bias', [6]],
      ['temperature', [3, 1]],
      ['denominator_bias', [3, 5, 1]],
      ['output_kernel', [6, 6]],
      ['output_bias', [6]],
    ]);
    const values = withBias.getWeights();
    expect(Array.from(values[2]!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(values[3]!.dataSync())).toEqual(new Array(15).fill(0));
    tf.dispose(values);

    const noBias = new CausalTSSA({ dim: 6, heads: 3, maxLength: 5 });
    expect(noBias.useBias).toBe(false);
    expect(weightNames(noBias, 6)).toEqual([
      'qkv_kernel',
      'temperature',
      'denominator_bias',
      'output_kernel',
      'output_bias',
    ]);
  });

  it('puts maxLength into getConfig and requires it to be a positive integer', () => {
    const layer = new CausalTSSA({ dim: 4, heads: 2, maxLength: 9 });
    expect(layer.getConfig()).toMatchObject({ dim: 4, heads: 2, maxLength: 9, useBias: false, dropout: 0 });
    for (const bad of [undefined, 0, -3, 2.5, '8', Number.NaN]) {
      expect(() => new CausalTSSA({ dim: 4, heads: 2, maxLength: bad as number }), String(bad)).toThrow(
        new RegExp(`CausalTSSA: option 'maxLength' must be a positive integer.*got ${String(bad)}`),
      );
    }
    expect(() => createAttention('causal-tssa', { dim: 4, heads: 2 } as never)).toThrow(
      /'maxLength' is required/,
    );
  });

  it('rejects a sequence longer than maxLength, naming the layer, the length and maxLength', () => {
    const layer = new CausalTSSA({ dim: 4, heads: 2, maxLength: 5, name: 'short_ctx' });
    layer.build([null, null, 4]);
    const x = tf.ones([1, 6, 4]);
    expect(() => layer.apply(x)).toThrow(/CausalTSSA 'short_ctx': sequence length 6 exceeds maxLength = 5/);
    expect(() => layer.callAndReturnMembership(x)).toThrow(/sequence length 6 exceeds maxLength = 5/);
    const ok = layer.apply(tf.slice(x, [0, 0, 0], [1, 5, 4])) as tf.Tensor;
    expect(ok.shape).toEqual([1, 5, 4]);
    tf.dispose([x, ok]);
  });

  it('needs built weights for callAndReturnMembership and step', () => {
    const layer = new CausalTSSA({ dim: 4, heads: 2, maxLength: 5, name: 'unbuilt' });
    const x = tf.ones([1, 2, 4]);
    expect(() => layer.callAndReturnMembership(x)).toThrow(/'unbuilt'.*needs built weights/);
    const state = layer.initState(1);
    expect(() => layer.step(state, tf.ones([1, 4]))).toThrow(/'unbuilt'.*needs built weights/);
    tf.dispose([x, state.sumSquares, state.sumPiSquares, state.sumPi]);
  });

  describe('membership Π', () => {
    const dim = 12;
    const heads = 3;
    const seq = 7;
    const make = () =>
      setRandomWeights(new CausalTSSA({ dim, heads, maxLength: 10, useBias: true }), {
        dim,
        seed: 100,
        std: 0.7,
      });

    it('has shape [batch, heads, seq] and sums to 1 over heads at every token', () => {
      const layer = make();
      tf.tidy(() => {
        const [y, pi] = layer.callAndReturnMembership(tf.randomNormal([2, seq, dim], 0, 1, 'float32', 1));
        expect(y.shape).toEqual([2, seq, dim]);
        expect(pi.shape).toEqual([2, heads, seq]);
        const values = pi.dataSync();
        expect(Array.from(values).every((v) => v >= 0 && v <= 1)).toBe(true);
        expectClose(tf.sum(pi, 1).dataSync(), new Array(2 * seq).fill(1), {
          rtol: 0,
          atol: 1e-6,
          label: 'ΣΠ',
        });
      });
    });

    it('is 0 at padded tokens, sums to 1 at real ones, and is causal', () => {
      const layer = make();
      tf.tidy(() => {
        const x = tf.randomNormal([2, seq, dim], 0, 1, 'float32', 2);
        // Sample 0 padded on the left (2 tokens), sample 1 on the right (3 tokens).
        const maskRows = [
          [0, 0, 1, 1, 1, 1, 1],
          [1, 1, 1, 1, 0, 0, 0],
        ];
        const mask = tf.tensor2d(maskRows);
        const [y, pi] = layer.callAndReturnMembership(x, { mask });
        const sums = tf.sum(pi, 1).arraySync() as number[][];
        expectClose(sums, maskRows, { rtol: 0, atol: 1e-6, label: 'ΣΠ with padding' });
        expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
        // Changing the last token leaves Π at earlier tokens unchanged.
        const x2 = tf.concat(
          [tf.slice(x, [0, 0, 0], [2, seq - 1, dim]), tf.randomNormal([2, 1, dim], 0, 1, 'float32', 3)],
          1,
        );
        const [, pi2] = layer.callAndReturnMembership(x2);
        const [, piFull] = layer.callAndReturnMembership(x);
        expectClose(
          tf.slice(pi2, [0, 0, 0], [2, heads, seq - 1]).dataSync(),
          tf.slice(piFull, [0, 0, 0], [2, heads, seq - 1]).dataSync(),
          { rtol: 1e-6, atol: 1e-7, label: 'Π before the changed token' },
        );
      });
    });
  });

  it('uses the closed form on a single token: Π = softmax(τ·(p·(1 + β₀))) and y = −Π·w/(1 + w²)', () => {
    // One token: Σw² = w², so q = 1 + β₀ per channel (w ≠ 0) and s = w² (Π cancels up to the 1e-8).
    const dim = 4;
    const heads = 2;
    const layer = new CausalTSSA({ dim, heads, maxLength: 3 });
    layer.build([null, null, dim]);
    const eye = tf.eye(dim);
    const temp = tf.tensor2d([[0.5], [2]]);
    const beta = tf.tensor3d([
      [[0.1], [0], [0]],
      [[-0.2], [0], [0]],
    ]);
    const weights = [eye, temp, beta, eye, tf.zeros([dim])];
    layer.setWeights(weights);
    const xs = [0.5, -1, 2, 0.25];
    const x = tf.tensor3d([[xs]]);
    const [y, pi] = layer.callAndReturnMembership(x);
    const logits = [0.5 * 2 * (1 + 0.1), 2 * 2 * (1 - 0.2)];
    const z = Math.exp(logits[0]!) + Math.exp(logits[1]!);
    const expectedPi = logits.map((l) => Math.exp(l) / z);
    expectClose(pi.dataSync(), expectedPi, { rtol: 1e-6, label: 'Π' });
    const expectedY = xs.map((v, c) => (-expectedPi[Math.floor(c / 2)]! * v) / (1 + v * v));
    expectClose(y.dataSync(), expectedY, { rtol: 1e-5, label: 'y' });
    tf.dispose([...weights, x, y, pi]);
  });
});
