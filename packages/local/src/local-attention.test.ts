import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/attention';
import {
  describeRegisteredConformance,
  describeAttentionConformance,
  disposeStepped,
  stepThrough,
} from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { golden } from './golden.js';
import { LocalAttention } from './index.js';

const descriptor = {
  complexity: 'linear',
  family: 'local',
  paper: { arxiv: '2004.05150' },
  options: { window: { default: 64 }, dilation: { default: 1 } },
};
describeRegisteredConformance('local', { causal: false, golden, descriptor });
describeRegisteredConformance('local-causal', { causal: true, streaming: true, golden, descriptor });
// Several blocks of queries and dilation 2: 33 tokens → residue classes of 17, blocks of 16; the last token still
// reaches the first (32 = w·d), which the kit's "mixes information" check needs.
describeAttentionConformance(
  'local (window 16, dilation 2, several blocks)',
  (o) => new LocalAttention({ ...o, window: 16, dilation: 2 }),
  { causal: false, seq: 33 },
);
describeAttentionConformance(
  'local-causal (window 16, dilation 2, several blocks)',
  (o) => new LocalAttention({ ...o, window: 16, dilation: 2, causal: true }),
  { causal: true, seq: 33, streaming: true },
);

describe('LocalAttention specifics', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('window and dilation reach the layer created by name', () => {
    for (const [name, causal] of [
      ['local', false],
      ['local-causal', true],
    ] as const) {
      expect(createAttention(name, { dim: 8, heads: 2, window: 3 })).toMatchObject({
        causal,
        window: 3,
        dilation: 1,
      });
    }
  });

  it('with a window covering the sequence it is plain softmax attention (all keys, one block)', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([1, 12, 8], 0, 1, 'float32', 5);
      const wide = new LocalAttention({ dim: 8, heads: 2, window: 11 });
      const narrow = new LocalAttention({ dim: 8, heads: 2, window: 2 });
      wide.build([null, null, 8]);
      narrow.build([null, null, 8]);
      narrow.setWeights(wide.getWeights());
      const huge = new LocalAttention({ dim: 8, heads: 2, window: 1000 });
      huge.build([null, null, 8]);
      huge.setWeights(wide.getWeights());
      const y = wide.apply(x) as tf.Tensor;
      expectClose((huge.apply(x) as tf.Tensor).dataSync(), y.dataSync(), {
        rtol: 1e-5,
        atol: 1e-6,
        label: 'w 11 vs 1000',
      });
      const gap = tf.max(tf.abs(tf.sub(y, narrow.apply(x) as tf.Tensor))).dataSync()[0]!;
      expect(gap).toBeGreaterThan(1e-4);
    });
  });

  it('rejects a bad window, dilation or causal option, naming it', () => {
    for (const key of ['window', 'dilation'] as const) {
      for (const bad of [0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '4' as never]) {
        expect(() => new LocalAttention({ dim: 4, heads: 1, [key]: bad })).toThrow(
          new RegExp(`option '${key}' must be a positive integer`),
        );
        expect(() => createAttention('local', { dim: 4, heads: 1, [key]: bad })).toThrow(
          new RegExp(`option '${key}'`),
        );
      }
    }
    expect(() => new LocalAttention({ dim: 4, heads: 1, causal: 1 as never })).toThrow(
      /'causal' must be a boolean/,
    );
    expect(() => createAttention('local-causal', { dim: 4, heads: 1, causal: false as never })).toThrow(
      /'causal' is fixed/,
    );
  });

  it('streams with a small window and dilation: step equals the full causal forward past the cached span', () => {
    tf.tidy(() => {
      const layer = new LocalAttention({ dim: 8, heads: 2, window: 2, dilation: 3, causal: true });
      const x = tf.randomNormal([2, 20, 8], 0, 1, 'float32', 8);
      const full = layer.apply(x) as tf.Tensor;
      const start = layer.initState(2);
      const stepped = stepThrough(layer, start, x as tf.Tensor3D);
      const outputs = stepped.outputs;
      const state = stepped.states[19];
      // The state never holds more than w·d = 6 tokens.
      expect(state.keys!.shape).toEqual([2, 2, 6, 4]);
      expectClose(tf.stack(outputs, 1).dataSync(), full.dataSync(), {
        rtol: 1e-4,
        atol: 1e-5,
        label: 'step vs full',
      });
      disposeStepped(layer, stepped);
      layer.disposeState(start);
    });
  });

  it('non-causal layers do not stream', () => {
    const layer = new LocalAttention({ dim: 4, heads: 1 });
    expect(() => layer.initState(1)).toThrow(/initState needs the causal layer/);
  });

  it('keeps window and dilation through getConfig', () => {
    expect(new LocalAttention({ dim: 4, heads: 1, window: 7, dilation: 3 }).getConfig()).toMatchObject({
      window: 7,
      dilation: 3,
      causal: false,
    });
  });
});
