import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { describeRegisteredConformance, weightList } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { golden } from './golden.js';
import { MSSA } from './index.js';

describeRegisteredConformance('mssa', { causal: false, golden });

describe('MSSA specifics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is registered as mssa, with weights qkv kernel, output kernel, output bias', () => {
    const layer = createAttention('mssa', { dim: 8, heads: 2 });
    expect(layer).toBeInstanceOf(MSSA);
    expect(weightList(layer, 8)).toEqual([
      ['qkv_kernel', [8, 8]],
      ['output_kernel', [8, 8]],
      ['output_bias', [8]],
    ]);
  });

  it('has no output projection with a single head (as the reference code), and counts its parameters so', () => {
    const layer = new MSSA({ dim: 4, heads: 1 });
    layer.build([null, null, 4]);
    expect(layer.weights.map((w) => w.shape)).toEqual([[4, 4]]);
    expect(getAttentionDescriptor('mssa').parameterCount({ dim: 4, heads: 1 })).toBe(16);
  });

  it('uses symmetric scores: with identity projection, attention is softmax(X·Xᵀ/sqrt(p))·X', () => {
    const layer = new MSSA({ dim: 2, heads: 1 });
    layer.build([null, null, 2]);
    const eye = tf.eye(2);
    layer.setWeights([eye]);
    const X = [
      [1, 0],
      [0, 2],
    ];
    const y = (layer.apply(tf.tensor3d([X])) as tf.Tensor).arraySync() as number[][][];
    const s = Math.SQRT2;
    const rows = X.map((xi) => X.map((xj) => (xi[0]! * xj[0]! + xi[1]! * xj[1]!) / s));
    const expected = rows.map((r) => {
      const e = r.map(Math.exp);
      const z = e[0]! + e[1]!;
      return [0, 1].map((c) => (e[0]! * X[0]![c]! + e[1]! * X[1]![c]!) / z);
    });
    expectClose(y[0]!, expected, { rtol: 1e-5, label: 'MSSA identity' });
    eye.dispose();
  });

  it('rejects useBias: true', () => {
    expect(() => new MSSA({ dim: 4, heads: 2, useBias: true })).toThrow(/'useBias' cannot be true/);
  });
});
