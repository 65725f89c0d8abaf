import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import {
  describeRegisteredConformance,
  describeAttentionConformance,
  describeGoldenCases,
  describeOnBackends,
  projectedReference,
  setRandomWeights,
} from '@tost/attention/testing';
import { golden } from './golden.js';
import { LightningAttention, lightningDecay, type LightningState } from './index.js';

/**
 * The definition written out quadratically (independent reference, differentiated by autodiff): projections,
 * k ← k/√p, the N×N matrix γ^(t−s)·(q_t·k_s) for real s ≤ t, times v, RMS over each head's p channels, merge, output.
 */
const naiveForward = projectedReference(
  (q, k, v, { allowed }) => {
    const [, heads, n, p] = q.shape;
    const gap = tf.sub(tf.reshape(tf.range(0, n), [n, 1]), tf.reshape(tf.range(0, n), [1, n]));
    const lower = tf.greaterEqual(gap, 0);
    const decay = tf.stack(
      lightningDecay(heads).map((g) => tf.where(lower, tf.pow(g, tf.maximum(gap, 0)), tf.zeros([n, n]))),
    );
    const weights = tf.mul(tf.reshape(decay, [1, heads, n, n]), allowed);
    const o = tf.matMul(tf.mul(tf.matMul(q, tf.div(k, Math.sqrt(p)), false, true), weights), v);
    return tf.div(o, tf.sqrt(tf.add(tf.mean(tf.square(o), -1, true), 1e-6)));
  },
  { causal: true },
);

// Default blocks of 64: the reference check's 300 tokens span 5 blocks.
describeRegisteredConformance('lightning', {
  causal: true,
  streaming: true,
  golden,
  reference: { forward: naiveForward, seed: 60, padded: 41 },
  descriptor: { options: { blockSize: { default: 64 } } },
});
// Blocks of 2 tokens: the kit's 6-token inputs cross block boundaries (carried state, decay across blocks).
describeAttentionConformance(
  'lightning (blockSize 2)',
  (o) => createAttention('lightning', { ...o, blockSize: 2 }),
  {
    causal: true,
    streaming: true,
    golden: golden.lightning,
  },
);
describeGoldenCases(
  'lightning (blockSize 5)',
  (o) => createAttention('lightning', { ...o, blockSize: 5 }),
  golden.lightning,
);

const build = (dim: number, heads: number) =>
  setRandomWeights(createAttention('lightning', { dim, heads }) as LightningAttention, { dim, seed: 60 });

describeOnBackends('lightning attention', () => {
  it('bad options name the option; blockSize reaches getConfig', () => {
    for (const bad of [0, -4, 2.5, Number.NaN]) {
      expect(
        () => createAttention('lightning', { dim: 8, heads: 2, blockSize: bad }),
        `blockSize ${bad}`,
      ).toThrow(new RegExp(`option 'blockSize' must be an integer > 0 .*got ${bad}`));
      expect(() => new LightningAttention({ dim: 8, heads: 2, blockSize: bad })).toThrow(
        new RegExp(`option 'blockSize' must be a positive integer .*got ${bad}`),
      );
    }
    expect(() => createAttention('lightning', { dim: 8, heads: 2, blockSize: '8' } as never)).toThrow(
      /'blockSize'.*got "8"/,
    );
    expect(() => createAttention('lightning', { dim: 8, heads: 2, causal: false } as never)).toThrow(
      /unknown option 'causal'/,
    );
    expect(() => createAttention('lightning', { dim: 8, heads: 2, blocksize: 8 } as never)).toThrow(
      /unknown option 'blocksize'/,
    );
    expect(new LightningAttention({ dim: 8, heads: 2, blockSize: 16 }).getConfig()).toMatchObject({
      blockSize: 16,
    });
    expect(lightningDecay(3)).toEqual([1 - 1 / 32, 1 - 1 / 64, 1 - 1 / 128]);
  });

  it('step rejects a state from another batch size or another layer', () => {
    const layer = build(8, 2);
    const state = layer.initState(3);
    expect(() => layer.step(state, tf.zeros([1, 8]))).toThrow(
      /'xt' must have shape \[batch, dim\] = \[3, 8\].*got \[1, 8\]/,
    );
    const wrong = { sum: tf.zeros([3, 4, 2, 2]) as tf.Tensor4D, position: 0 };
    expect(() => layer.step(wrong, tf.zeros([3, 8]))).toThrow(
      /'state.sum' must have shape \[batch, heads, headDim, headDim\] = \[3, 2, 4, 4\], got \[3, 4, 2, 2\]/,
    );
    expect(() => layer.step({} as LightningState, tf.zeros([3, 8]))).toThrow(
      /argument 'state' must be a state from initState/,
    );
    tf.dispose([state.sum, wrong.sum]);
    layer.weights.forEach((w) => w.dispose());
  });
});
