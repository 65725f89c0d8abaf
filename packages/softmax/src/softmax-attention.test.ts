import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import { describeRegisteredConformance, projectionWeights, weightList } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { golden } from './golden.js';
import { SoftmaxAttention } from './index.js';

for (const [name, causal] of [
  ['softmax', false],
  ['softmax-causal', true],
] as const) {
  describeRegisteredConformance(name, { causal, golden, descriptor: { complexity: 'quadratic' } });
}

describe('SoftmaxAttention specifics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the name softmax-causal fixes causal', () => {
    expect(() => createAttention('softmax-causal', { dim: 8, heads: 2, causal: false } as never)).toThrow(
      /'causal' is fixed to true by the name 'softmax-causal', got false/,
    );
  });

  it('lists weights in the documented order with tfjs [in, out] kernels', () => {
    expect(weightList(new SoftmaxAttention({ dim: 6, heads: 3 }), 6)).toEqual(projectionWeights(6));
    const noBias = new SoftmaxAttention({ dim: 6, heads: 3, useBias: false });
    expect(weightList(noBias, 6)).toEqual(projectionWeights(6, { bias: false }));
  });

  it('matches an independent per-head loop implementation (float64 in JS)', () => {
    const [b, n, d, h] = [1, 4, 4, 2];
    const p = d / h;
    const layer = new SoftmaxAttention({ dim: d, heads: h, causal: true });
    layer.build([null, null, d]);
    const weights = layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 100 + i));
    layer.setWeights(weights);
    const x = tf.randomNormal([b, n, d], 0, 1, 'float32', 1);
    const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][][];
    const W = weights.map((w) => w.arraySync()) as (number[][] | number[])[];
    const X = (x.arraySync() as number[][][])[0]!;
    const dense = (rows: number[][], k: number[][], bias: number[]) =>
      rows.map((r) => bias.map((bj, j) => bj + r.reduce((s, v, i) => s + v * k[i]![j]!, 0)));
    const Q = dense(X, W[0] as number[][], W[1] as number[]);
    const K = dense(X, W[2] as number[][], W[3] as number[]);
    const V = dense(X, W[4] as number[][], W[5] as number[]);
    const ctx = X.map(() => Array(d).fill(0) as number[]);
    for (let k = 0; k < h; k++) {
      for (let t = 0; t < n; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let j = 0; j < p; j++) dot += Q[t]![k * p + j]! * K[s]![k * p + j]!;
          scores.push(dot / Math.sqrt(p));
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let s = 0; s <= t; s++)
          for (let j = 0; j < p; j++) ctx[t]![k * p + j]! += (e[s]! / z) * V[s]![k * p + j]!;
      }
    }
    const expected = dense(ctx, W[6] as number[][], W[7] as number[]);
    expectClose(y[0]!, expected, { rtol: 1e-4, atol: 1e-5, label: 'causal softmax vs loop' });
    tf.dispose([x, ...weights]);
  });

  it('rejects a non-boolean causal option', () => {
    expect(() => new SoftmaxAttention({ dim: 4, heads: 1, causal: 'yes' as never })).toThrow(
      /'causal' must be a boolean/,
    );
  });
});
