import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  createAttention,
  isStreamingAttention,
  type AttentionLayer,
  type StreamingAttention,
} from '@tost/attention';
import {
  describeRegisteredConformance,
  describeOnBackends,
  projectedReference,
  setRandomWeights,
  type ReferenceForward,
} from '@tost/attention/testing';
import { golden } from './golden.js';
import { LINEAR_ATTENTION_NAMES, type LinearAttentionState } from './index.js';

type Name = (typeof LINEAR_ATTENTION_NAMES)[number];
const goldenKind = (name: Name) => (name.startsWith('norm') ? 'norm_linear' : 'linear');
const isCausal = (name: Name) => name.endsWith('-causal');

/**
 * The definition written out quadratically (an independent reference, differentiated by autodiff): projections,
 * φ = elu + 1, the N×N similarity matrix masked to real (and, causal, earlier) keys, then either the normalised sum
 * (linear) or the plain sum followed by the per-token RMS norm with gain (norm-linear), output projection.
 */
const naiveForward = (name: Name): ReferenceForward => {
  const phi = (t: tf.Tensor) => tf.add(tf.elu(t), 1);
  const rms = (rows: tf.Tensor) => tf.sqrt(tf.add(tf.mean(tf.square(rows), -1, true), 1e-6));
  const normalised = goldenKind(name) === 'linear';
  return projectedReference(
    (q, k, v, { allowed }) => {
      const scores = tf.mul(tf.matMul(phi(q), phi(k), false, true), allowed);
      const o = tf.matMul(scores, v);
      return normalised ? tf.div(o, tf.add(tf.sum(scores, -1, true), 1e-6)) : o;
    },
    {
      causal: isCausal(name),
      normalize: normalised ? undefined : (rows, w) => tf.mul(tf.div(rows, rms(rows)), w[8]!),
    },
  );
};

for (const name of LINEAR_ATTENTION_NAMES) {
  describeRegisteredConformance(name, {
    causal: isCausal(name),
    streaming: isCausal(name),
    golden,
    reference: naiveForward(name),
    descriptor: { complexity: 'linear' },
  });
}

const build = (name: Name, dim: number, heads: number) =>
  setRandomWeights(createAttention(name, { dim, heads }), { dim, seed: 40 });

describeOnBackends('linear and norm-linear attention', () => {
  it('the name fixes causal; no variant options', () => {
    for (const name of LINEAR_ATTENTION_NAMES) {
      expect(() => createAttention(name, { dim: 8, heads: 2, causal: !isCausal(name) } as never)).toThrow(
        new RegExp(
          `option 'causal' is fixed to ${isCausal(name)} by the name '${name}', got ${!isCausal(name)}`,
        ),
      );
      expect(() => createAttention(name, { dim: 8, heads: 2, features: 4 } as never)).toThrow(
        /unknown option 'features' \(given 4\)/,
      );
    }
  });

  for (const name of ['linear-causal', 'norm-linear-causal'] as const) {
    it(`${name}: step rejects a state from another batch size or layer, and a non-causal layer cannot step`, () => {
      const layer = build(name, 8, 2) as AttentionLayer & StreamingAttention<LinearAttentionState>;
      expect(isStreamingAttention(layer)).toBe(true);
      const state = layer.initState(3);
      expect(() => layer.step(state, tf.zeros([2, 8]))).toThrow(
        /'xt' must have shape \[batch, dim\] = \[3, 8\].*got \[2, 8\]/,
      );
      const wrong = { sum: tf.zeros([3, 4, 4, 4]) as tf.Tensor4D, position: 0 };
      expect(() => layer.step(wrong, tf.zeros([3, 8]))).toThrow(
        /'state.sum' must have shape \[batch, heads, headDim, width\] = \[3, 2, 4, \d\], got \[3, 4, 4, 4\]/,
      );
      expect(() => layer.step({} as LinearAttentionState, tf.zeros([3, 8]))).toThrow(
        /argument 'state' must be a state from initState/,
      );
      expect(() => layer.initState(1.5)).toThrow(/'batch' must be a positive integer, got 1.5/);
      const nonCausal = build(name.replace('-causal', '') as Name, 8, 2) as AttentionLayer &
        StreamingAttention<LinearAttentionState>;
      expect(() => nonCausal.step(state, tf.zeros([3, 8]))).toThrow(/step needs the causal form/);
      tf.dispose([state.sum, wrong.sum]);
      [layer, nonCausal].forEach((l) => l.weights.forEach((w) => w.dispose()));
    });
  }
});
