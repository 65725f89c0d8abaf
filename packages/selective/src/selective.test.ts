import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor, type AttentionLayer } from '@tost/attention';
import { describeAttentionConformance } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import {
  expectClose,
  expectNoLeakedTensors,
  maxRelativeError,
  testBackends,
  type VariantGoldenCase,
} from '@tost/vitest-config';
import { SelectiveAttention, fusedSelectiveAttention, selectiveAttentionReference } from './index.js';

describeAttentionConformance('selective', (o) => new SelectiveAttention(o), { causal: true });

/**
 * The float64 reference cases of `kind` (variants-2-seed0.json, vendored under test-fixtures/, computed token by
 * token by an independent PyTorch implementation): outputs at real tokens within relative error 1e-4.
 */
function describeGoldenCases(kind: string, factory: (dim: number, heads: number) => AttentionLayer): void {
  const file = new URL(`../test-fixtures/variants-2-seed0.${kind}.json`, import.meta.url);
  const cases = (JSON.parse(readFileSync(file, 'utf8')) as VariantGoldenCase[]).filter((c) => c.kind === kind);
  for (const backend of testBackends()) {
    describe(`${kind} golden cases on ${backend}`, () => {
      beforeAll(async () => {
        await initBackend(backend);
      });
      it('has cases', () => expect(cases.length).toBeGreaterThan(0));
      cases.forEach((c, index) => {
        it(`case ${index} (heads ${c.heads}) matches the float64 reference on real tokens`, () => {
          tf.tidy(() => {
            const x = tf.tensor(c.x as number[][][]) as tf.Tensor3D;
            const mask = tf.tensor(c.mask as number[][]) as tf.Tensor2D;
            const layer = factory(x.shape[2], c.heads);
            layer.build([null, null, x.shape[2]]);
            layer.setWeights(c.weights.map((w) => tf.tensor(w as number[])));
            const real = tf.expandDims(mask, 2);
            const y = tf.mul(layer.apply(x, { mask }) as tf.Tensor, real);
            const expected = tf.mul(tf.tensor(c.y as number[][][]), real);
            expect(maxRelativeError(y.dataSync(), expected.dataSync())).toBeLessThan(1e-4);
            expectClose(y.dataSync(), expected.dataSync(), { rtol: 1e-4, atol: 1e-5, label: 'y' });
          });
        });
      });
    });
  }
}

describeGoldenCases('selective', (dim, heads) => new SelectiveAttention({ dim, heads }));

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

for (const backend of testBackends()) {
  describe(`fusedSelectiveAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    // Scores scaled ×2 so that many relu(L_0) entries are positive and the fading matters.
    const inputs = () =>
      tf.tidy(() => ({
        q: tf.mul(randn([2, 3, 9, 4], 1), 2) as tf.Tensor4D,
        k: randn([2, 3, 9, 4], 2) as tf.Tensor4D,
        v: randn([2, 3, 9, 4], 3) as tf.Tensor4D,
        // Sample 0: a padded token inside; sample 1: the first token and the last two padded.
        mask: tf.tensor2d([
          [1, 1, 1, 0, 1, 1, 1, 1, 1],
          [0, 1, 1, 1, 1, 1, 1, 0, 0],
        ]),
      }));

    it('equals the plain-ops reference, outputs and gradients (hand-written vs autodiff)', () => {
      const x = inputs();
      tf.tidy(() => {
        const realRows = tf.reshape(x.mask, [2, 1, 9, 1]);
        const rows = (t: tf.Tensor) => tf.mul(t, realRows).dataSync();
        const fused = fusedSelectiveAttention(x.q, x.k, x.v, x.mask);
        const reference = selectiveAttentionReference(x.q, x.k, x.v, x.mask);
        expectClose(rows(fused), rows(reference), { rtol: 1e-4, atol: 1e-5, label: 'outputs' });
        const probe = tf.mul(randn([2, 3, 9, 4], 4), realRows);
        const loss = (f: typeof fusedSelectiveAttention) => (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
          tf.sum(tf.mul(f(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, x.mask), probe)) as tf.Scalar;
        const actual = tf.grads(loss(fusedSelectiveAttention))([x.q, x.k, x.v]);
        const expected = tf.grads(loss(selectiveAttentionReference))([x.q, x.k, x.v]);
        ['q', 'k', 'v'].forEach((name, i) =>
          expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), { rtol: 1e-3, atol: 1e-4, label: `d${name}` }),
        );
        // The fading reaches head 0's queries beyond its own softmax: its gradient differs from plain attention's.
        expect(Math.max(...Array.from(actual[0]!.dataSync(), Math.abs))).toBeGreaterThan(0);
      });
      tf.dispose(Object.values(x));
    });

    it('fades: with the selection, outputs differ from causal softmax attention; the first position never fades', () => {
      const x = inputs();
      tf.tidy(() => {
        const ones = tf.ones([2, 9]) as tf.Tensor2D;
        const selective = fusedSelectiveAttention(x.q, x.k, x.v, ones);
        // Row 1 sees keys 0 and 1 only: key 0 is never faded and key 1 cannot fade itself, so it is plain softmax.
        const scores = tf.matMul(tf.slice(x.q, [0, 0, 1, 0], [2, 3, 1, 4]), tf.slice(x.k, [0, 0, 0, 0], [2, 3, 2, 4]), false, true);
        const plainRow1 = tf.matMul(tf.softmax(scores), tf.slice(x.v, [0, 0, 0, 0], [2, 3, 2, 4]));
        expectClose(tf.slice(selective, [0, 0, 1, 0], [2, 3, 1, 4]).dataSync(), plainRow1.dataSync(), {
          rtol: 1e-4,
          atol: 1e-5,
          label: 'row 1',
        });
        const allScores = tf.matMul(x.q, x.k, false, true);
        const causal = tf.linalg.bandPart(tf.ones([9, 9]), -1, 0);
        const plain = tf.matMul(tf.softmax(tf.add(allScores, tf.mul(tf.sub(causal, 1), 1e9))), x.v);
        const change = tf.max(tf.abs(tf.sub(selective, plain))).dataSync()[0]!;
        expect(change).toBeGreaterThan(1e-2);
      });
      tf.dispose(Object.values(x));
    });

    it('leaks no tensors forward or backward', async () => {
      const x = inputs();
      const run = () => fusedSelectiveAttention(x.q, x.k, x.v, x.mask);
      run().dispose();
      await expectNoLeakedTensors(() => run().dispose(), 'forward');
      await expectNoLeakedTensors(() => {
        tf.dispose(tf.grads((q: tf.Tensor, k: tf.Tensor) => tf.sum(fusedSelectiveAttention(q as tf.Tensor4D, k as tf.Tensor4D, x.v, x.mask)))([x.q, x.k]));
      }, 'backward');
      tf.dispose(Object.values(x));
    });
  });
}

describe('selective registration', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registers selective (causal, quadratic, no extra weights) with its paper and exact parameter counts', () => {
    const d = getAttentionDescriptor('selective');
    expect(d).toMatchObject({ causal: true, streaming: false, complexity: 'quadratic' });
    expect(d.paper.arxiv).toBe('2410.02703');
    for (const options of [
      { dim: 8, heads: 2 },
      { dim: 12, heads: 3, useBias: false },
    ]) {
      const layer: AttentionLayer = createAttention('selective', options);
      layer.build([null, null, options.dim]);
      expect(d.parameterCount(options), JSON.stringify(options)).toBe(layer.countParams());
      expect(layer.weights.length).toBe(options.useBias === false ? 4 : 8);
    }
  });
});
