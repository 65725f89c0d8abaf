import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import {
  describeOnBackends,
  describeRegisteredConformance,
  projectionWeights,
  projectedReference,
  weightList,
} from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { golden } from './golden.js';
import {
  fusedSelectiveAttention,
  fusedSelectiveAttention as fusedSelective,
  selectiveAttentionReference,
} from './index.js';

/**
 * The layer written with the plain-ops reference (independent of the fused path, differentiated by autodiff):
 * q, k, v projections, q ← q/√p, `selectiveAttentionReference` per head, heads merged, output projection.
 */
const referenceForward = projectedReference((q, k, v, { mask }) =>
  selectiveAttentionReference(tf.mul(q, 1 / Math.sqrt(q.shape[3])) as tf.Tensor4D, k, v, mask),
);

// Quadratic with an O(N³) reference: 120 tokens (no chunks to cross) keep the check quick.
describeRegisteredConformance('selective', {
  causal: true,
  golden,
  descriptor: { streaming: false, complexity: 'quadratic', paper: { arxiv: '2410.02703' } },
  reference: { forward: referenceForward, seq: 120, padded: 23 },
});

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

    // Group bounds: both samples in one group (the default), one sample per group (3 heads × 9 × 9 = 243 each).
    for (const [grouping, bound] of [
      ['one group', undefined],
      ['one sample per group', 243],
    ] as const)
      it(`equals the plain-ops reference, outputs and gradients (hand-written vs autodiff; ${grouping})`, () => {
        const x = inputs();
        const fusedSelectiveAttention = (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, m: tf.Tensor2D) =>
          fusedSelective(q, k, v, m, bound);
        tf.tidy(() => {
          const realRows = tf.reshape(x.mask, [2, 1, 9, 1]);
          const rows = (t: tf.Tensor) => tf.mul(t, realRows).dataSync();
          const fused = fusedSelectiveAttention(x.q, x.k, x.v, x.mask);
          const reference = selectiveAttentionReference(x.q, x.k, x.v, x.mask);
          expectClose(rows(fused), rows(reference), { rtol: 1e-4, atol: 1e-5, label: 'outputs' });
          const probe = tf.mul(randn([2, 3, 9, 4], 4), realRows);
          const loss = (f: typeof fusedSelectiveAttention) => (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
            tf.sum(
              tf.mul(f(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, x.mask), probe),
            ) as tf.Scalar;
          const actual = tf.grads(loss(fusedSelectiveAttention))([x.q, x.k, x.v]);
          const expected = tf.grads(loss(selectiveAttentionReference))([x.q, x.k, x.v]);
          ['q', 'k', 'v'].forEach((name, i) =>
            expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), {
              rtol: 1e-3,
              atol: 1e-4,
              label: `d${name}`,
            }),
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
        const scores = tf.matMul(
          tf.slice(x.q, [0, 0, 1, 0], [2, 3, 1, 4]),
          tf.slice(x.k, [0, 0, 0, 0], [2, 3, 2, 4]),
          false,
          true,
        );
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

    it('empty inputs give an empty output; a bad group bound is named', () => {
      tf.tidy(() => {
        const none = tf.zeros([2, 3, 0, 4]) as tf.Tensor4D;
        expect(fusedSelectiveAttention(none, none, none, tf.zeros([2, 0]) as tf.Tensor2D).shape).toEqual([
          2, 3, 0, 4,
        ]);
        const x = inputs();
        expect(() => fusedSelectiveAttention(x.q, x.k, x.v, x.mask, 0)).toThrow(
          "fusedSelectiveAttention: argument 'maxGroupElements' must be a positive number, got 0",
        );
      });
    });

    it('leaks no tensors forward or backward', async () => {
      const x = inputs();
      const run = () => fusedSelectiveAttention(x.q, x.k, x.v, x.mask);
      run().dispose();
      await expectNoLeakedTensors(() => run().dispose(), 'forward');
      await expectNoLeakedTensors(() => {
        tf.dispose(
          tf.grads((q: tf.Tensor, k: tf.Tensor) =>
            tf.sum(fusedSelectiveAttention(q as tf.Tensor4D, k as tf.Tensor4D, x.v, x.mask)),
          )([x.q, x.k]),
        );
      }, 'backward');
      tf.dispose(Object.values(x));
    });
  });
}

describeOnBackends(
  'selective weights',
  () => {
    it('has no extra weights: the four projections, with or without biases', () => {
      expect(weightList(createAttention('selective', { dim: 8, heads: 2 }), 8)).toEqual(projectionWeights(8));
      const noBias = createAttention('selective', { dim: 12, heads: 3, useBias: false });
      expect(weightList(noBias, 12)).toEqual(projectionWeights(12, { bias: false }));
    });
  },
  ['cpu'],
);
