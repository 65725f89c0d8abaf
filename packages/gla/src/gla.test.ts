import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import {
  describeAttentionConformance,
  describeOnBackends,
  describeRegisteredConformance,
  expectPrefillMatchesSteps,
  projectionWeights,
  weightList,
} from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose, testBackends } from '@tost/vitest-config';
import { golden } from './golden.js';
import { GatedLinearAttention, glaChunkSize } from './index.js';

// Default chunks of glaChunkSize(p): several chunks for the kit's 13 tokens and the longer golden cases.
describeRegisteredConformance('gla', {
  causal: true,
  streaming: true,
  golden,
  descriptor: {
    complexity: 'linear',
    paper: { arxiv: '2312.06635' },
    options: { chunkSize: { type: 'integer' }, gateRank: { type: 'integer', default: 16 } },
  },
});
// Chunks of 2 tokens: the kit's inputs (6 and 13 tokens) and the golden cases then cross several chunk boundaries.
describeAttentionConformance('gla (chunkSize 2)', (o) => createAttention('gla', { ...o, chunkSize: 2 }), {
  causal: true,
  streaming: true,
  golden: golden.gla,
});

function randomLayer(options: { dim: number; heads: number; chunkSize?: number }): GatedLinearAttention {
  const layer = new GatedLinearAttention(options);
  layer.build([null, null, options.dim]);
  const values = layer
    .getWeights()
    .map((w, i) => tf.tidy(() => tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', i), 0.5)));
  layer.setWeights(values);
  tf.dispose(values);
  return layer;
}

for (const backend of testBackends()) {
  describe(`GatedLinearAttention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('a padded token inside a sequence changes nothing: outputs equal those of the sequence without it', () => {
      const layer = randomLayer({ dim: 8, heads: 2, chunkSize: 3 });
      tf.tidy(() => {
        const x = tf.randomNormal([1, 10, 8], 0, 1, 'float32', 3);
        const mask = tf.tensor2d([[1, 1, 1, 0, 1, 1, 0, 0, 1, 1]]);
        const keep = [0, 1, 2, 4, 5, 8, 9];
        const y = tf.gather(layer.apply(x, { mask }) as tf.Tensor, keep, 1);
        const alone = layer.apply(tf.gather(x, keep, 1)) as tf.Tensor;
        expectClose(y.dataSync(), alone.dataSync(), {
          rtol: 1e-4,
          atol: 1e-5,
          label: 'outputs at real tokens',
        });
      });
    });

    it('prefill (fresh or stepped state, inside a tidy, empty block) then step gives the outputs, state and positions of step, and leaks no tensor', () => {
      const layer = randomLayer({ dim: 8, heads: 2, chunkSize: 3 });
      const x = tf.randomNormal([2, 9, 8], 0, 1, 'float32', 5) as tf.Tensor3D;
      expectPrefillMatchesSteps(layer, x, 5, { rtol: 1e-4, atol: 1e-4 });
      x.dispose();
    });

    it('rejects a state from another batch size or head count, naming it', () => {
      const layer = randomLayer({ dim: 8, heads: 2 });
      const other = randomLayer({ dim: 8, heads: 4 });
      const state = layer.initState(2);
      const foreign = other.initState(2);
      const xt = tf.zeros([3, 8]);
      expect(() => layer.step(state, xt)).toThrow(
        /'xt' must have shape \[batch, dim\] = \[2, 8\].*got \[3, 8\]/,
      );
      expect(() => layer.step(foreign, tf.zeros([2, 8]))).toThrow(
        /'state.memory' must have shape \[batch, heads, headDim, headDim\] = \[2, 2, 4, 4\], got \[2, 4, 2, 2\]/,
      );
      expect(() => layer.prefill(foreign, tf.zeros([2, 5, 8]))).toThrow(
        /GatedLinearAttention '.*' prefill: 'state.memory' must have shape .* = \[2, 2, 4, 4\], got \[2, 4, 2, 2\]/,
      );
      expect(() => layer.prefill(state, tf.zeros([3, 5, 8]))).toThrow(
        /prefill: argument 'x' must have shape/,
      );
      expect(() => layer.step({} as never, tf.zeros([2, 8]))).toThrow(
        /argument 'state' must be a state from initState/,
      );
      expect(() => layer.prefill({ memory: state.memory } as never, tf.zeros([2, 5, 8]))).toThrow(
        /prefill: 'state.position' must be a non-negative integer, got undefined/,
      );
      layer.disposeState(state);
      other.disposeState(foreign);
      expect(() => layer.step(state, tf.zeros([2, 8]))).toThrow(/has been disposed/);
      tf.dispose(xt);
    });
  });
}

describeOnBackends(
  'gla options',
  () => {
    // The kit's registry check counts parameters at the default gate rank; here another one.
    it('counts its parameters exactly with gate rank 4', () => {
      const options = { dim: 12, heads: 3, useBias: false, gateRank: 4 };
      const layer = createAttention('gla', options);
      layer.build([null, null, options.dim]);
      expect(getAttentionDescriptor('gla').parameterCount(options)).toBe(layer.countParams());
    });

    it('has the weights of the spec, in order', () => {
      expect(weightList(new GatedLinearAttention({ dim: 6, heads: 3, gateRank: 2 }), 6)).toEqual([
        ...projectionWeights(6),
        ['gate_down', [6, 2]],
        ['gate_up', [2, 6]],
        ['gate_bias', [6]],
        ['output_gate', [6, 6]],
        ['output_gate_bias', [6]],
      ]);
    });

    it('rejects bad chunkSize and gateRank with errors naming the option', () => {
      for (const bad of [0, -2, 1.5, Number.NaN]) {
        expect(() => new GatedLinearAttention({ dim: 8, heads: 2, chunkSize: bad })).toThrow(
          new RegExp(`option 'chunkSize' must be a positive integer \\(tokens per chunk\\), got ${bad}`),
        );
        expect(() => new GatedLinearAttention({ dim: 8, heads: 2, gateRank: bad })).toThrow(
          new RegExp(`option 'gateRank' must be a positive integer .*got ${bad}`),
        );
      }
      expect(() => createAttention('gla', { dim: 8, heads: 2, chunkSize: 0 })).toThrow(/chunkSize/);
    });

    it('chooses the chunk size from the head dimension (8 up to p = 32, then 16) and saves it in its config', () => {
      expect([1, 16, 32, 33, 64, 256].map(glaChunkSize)).toEqual([8, 8, 8, 16, 16, 16]);
      for (const bad of [0, -1, 2.5]) {
        expect(() => glaChunkSize(bad), String(bad)).toThrow(/argument 'p' \(head dimension\) .*got/);
      }
      expect(new GatedLinearAttention({ dim: 64, heads: 4 }).getConfig().chunkSize).toBe(8);
      expect(new GatedLinearAttention({ dim: 256, heads: 4 }).getConfig().chunkSize).toBe(16);
      expect(() => glaChunkSize('8' as never)).toThrow(/got "8"/);
      // The registry describes the rule instead of one number.
      const spec = getAttentionDescriptor('gla').options?.['chunkSize'];
      expect(spec?.default).toBeUndefined();
      expect(spec?.description).toMatch(/p ≤ 32, else 16/);
    });

    it('round-trips chunkSize and gateRank through getConfig', () => {
      const layer = new GatedLinearAttention({ dim: 8, heads: 2, chunkSize: 5, gateRank: 3 });
      expect(layer.getConfig()).toMatchObject({ chunkSize: 5, gateRank: 3 });
    });
  },
  ['cpu'],
);
