import { expect, it } from 'vitest';
import { describeOn } from './test-models.js';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, isRateReductionAttention } from '@tost/attention';
import '@tost/models'; // registers every built-in variant
import { expectClose } from '@tost/vitest-config';

describeOn('cpu', 'the RateReductionAttention contract the analysis reads', () => {
  it('TSSA and MSSA implement it, with their kind; other attentions and plain objects do not', () => {
    const tssa = createAttention('tssa', { dim: 8, heads: 2 });
    const mssa = createAttention('mssa', { dim: 8, heads: 2 });
    expect(isRateReductionAttention(tssa)).toBe(true);
    expect(isRateReductionAttention(tssa, 'tssa')).toBe(true);
    expect(isRateReductionAttention(tssa, 'mssa')).toBe(false);
    expect(isRateReductionAttention(mssa, 'mssa')).toBe(true);
    expect(isRateReductionAttention(createAttention('softmax', { dim: 8, heads: 2 }))).toBe(false);
    expect(isRateReductionAttention(createAttention('causal-tssa', { dim: 8, heads: 2, maxLength: 4 }))).toBe(
      false,
    );
    expect(
      isRateReductionAttention({ rateReductionKind: 'other', callAndReturnIntermediates: () => ({}) }),
    ).toBe(false);
    expect(isRateReductionAttention(null)).toBe(false);
  });

  it('callAndReturnIntermediates gives apply’s output, and TSSA’s membership Π sums to 1 over heads', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 3);
      const mask = tf.tensor2d([
        [1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0],
      ]);
      for (const name of ['tssa', 'mssa'] as const) {
        const layer = createAttention(name, { dim: 8, heads: 2 });
        const y = layer.apply([x, mask]) as tf.Tensor;
        if (!isRateReductionAttention(layer)) throw new Error(`${name} is not a RateReductionAttention`);
        const intermediates = layer.callAndReturnIntermediates([x, mask]);
        expectClose(intermediates.output.dataSync(), y.dataSync(), { atol: 1e-6, rtol: 1e-6, label: name });
        if (name === 'tssa') {
          expect('membership' in intermediates).toBe(true);
          const membership = (intermediates as { membership: tf.Tensor3D }).membership;
          expect(membership.shape).toEqual([2, 2, 5]);
          expect(Array.from(tf.sum(membership, 1).dataSync()).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([
            1, 1, 1, 1, 1, 1, 1, 1, 0, 0,
          ]);
        } else {
          expect(Object.keys(intermediates)).toEqual(['output']);
        }
      }
    });
  });
});
