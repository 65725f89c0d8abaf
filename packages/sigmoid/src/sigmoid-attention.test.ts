import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import { describeRegisteredConformance, describeAttentionConformance } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { golden } from './golden.js';
import { SigmoidAttention } from './index.js';

const descriptor = { complexity: 'quadratic', paper: { arxiv: '2409.04431' } };
describeRegisteredConformance('sigmoid', { causal: false, golden, descriptor });
describeRegisteredConformance('sigmoid-causal', { causal: true, golden, descriptor });
describeAttentionConformance(
  'sigmoid with a constant bias',
  (o) => new SigmoidAttention({ ...o, bias: -2 }),
  {
    causal: false,
    backends: ['cpu'],
  },
);

describe('SigmoidAttention specifics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('default bias is −ln n of the real tokens: equal to the constant bias −ln n', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 3);
      const mask = tf.tensor2d([
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1],
      ]);
      const auto = new SigmoidAttention({ dim: 8, heads: 2 });
      auto.build([null, null, 8]);
      const fixed = new SigmoidAttention({ dim: 8, heads: 2, bias: -Math.log(4) });
      fixed.build([null, null, 8]);
      fixed.setWeights(auto.getWeights());
      const real = (t: tf.Tensor) => tf.slice(t, [0, 0, 0], [1, 4, 8]).dataSync();
      // Sample 0 has 4 real tokens: b = −ln 4 either way.
      expectClose(real(auto.apply(x, { mask }) as tf.Tensor), real(fixed.apply(x, { mask }) as tf.Tensor), {
        rtol: 1e-5,
        atol: 1e-6,
        label: 'sample 0',
      });
      // Sample 1 has 6: the outputs differ from those with b = −ln 4.
      const last = (t: tf.Tensor) => tf.slice(t, [1, 0, 0], [1, 6, 8]);
      const gap = tf.max(
        tf.abs(
          tf.sub(last(auto.apply(x, { mask }) as tf.Tensor), last(fixed.apply(x, { mask }) as tf.Tensor)),
        ),
      );
      expect(gap.dataSync()[0]).toBeGreaterThan(1e-4);
    });
  });

  it('rejects a bad bias or causal option, naming it', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1' as never]) {
      expect(() => new SigmoidAttention({ dim: 4, heads: 1, bias: bad })).toThrow(
        /option 'bias' must be a finite number/,
      );
      expect(() => createAttention('sigmoid', { dim: 4, heads: 1, bias: bad })).toThrow(/option 'bias'/);
    }
    expect(() => new SigmoidAttention({ dim: 4, heads: 1, causal: 'yes' as never })).toThrow(
      /'causal' must be a boolean/,
    );
    expect(() => createAttention('sigmoid-causal', { dim: 4, heads: 1, causal: false as never })).toThrow(
      /'causal' is fixed/,
    );
  });

  it('keeps the constant bias through getConfig', () => {
    const layer = new SigmoidAttention({ dim: 4, heads: 1, bias: -1.5, causal: true });
    expect(layer.getConfig()).toMatchObject({ bias: -1.5, causal: true });
    expect(new SigmoidAttention({ dim: 4, heads: 1 }).getConfig()).not.toHaveProperty('bias');
  });
});
