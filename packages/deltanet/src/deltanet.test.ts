import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import { expectPrefillMatchesSteps, projectionWeights, weightList } from '@tost/attention/testing';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { DeltaNet, GatedDeltaNet, defaultChunkSize, defaultSegmentLength } from './index.js';

describe('DeltaNet / Gated DeltaNet layers', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('has the weight order of the reference: common eight, then the extras', () => {
    const common = projectionWeights(8);
    expect(weightList(new DeltaNet({ dim: 8, heads: 2 }), 8)).toEqual([
      ...common,
      ['beta_kernel', [8, 2]],
      ['beta_bias', [2]],
      ['norm_gain', [4]],
    ]);
    expect(weightList(new GatedDeltaNet({ dim: 8, heads: 2 }), 8)).toEqual([
      ...common,
      ['beta_kernel', [8, 2]],
      ['beta_bias', [2]],
      ['decay_kernel', [8, 2]],
      ['decay_log_rate', [2]],
      ['decay_dt_bias', [2]],
      ['output_gate', [8, 8]],
      ['output_gate_bias', [8]],
      ['norm_gain', [4]],
    ]);
  });

  it('initialises the decay as the authors: A = 1 … 16 over the heads, dt = softplus(dt_bias) = 0.001 … 0.1', () => {
    const layer = new GatedDeltaNet({ dim: 8, heads: 4 });
    layer.build([null, null, 8]);
    const byName = (n: string) =>
      layer.weights
        .find((w) => w.originalName.endsWith(n))!
        .read()
        .dataSync();
    expectClose(Array.from(byName('decay_log_rate'), Math.exp), [1, 6, 11, 16], {
      rtol: 1e-5,
      atol: 0,
      label: 'A',
    });
    expectClose(
      Array.from(byName('decay_dt_bias'), (b) => Math.log1p(Math.exp(b))),
      [0.001, 0.001 * 10 ** (2 / 3), 0.001 * 10 ** (4 / 3), 0.1],
      { rtol: 1e-4, atol: 0, label: 'dt' },
    );
  });

  it('chooses the chunk size from the head dimension (a power of two, 8 to 64) and saves it in its config', () => {
    expect([1, 8, 9, 16, 17, 32, 33, 64, 65, 128, 256].map(defaultChunkSize)).toEqual([
      8, 8, 16, 16, 32, 32, 64, 64, 64, 64, 64,
    ]);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => defaultChunkSize(bad), String(bad)).toThrow(/argument 'p' \(head dimension\) .*got/);
    }
    expect(() => defaultChunkSize('16' as never)).toThrow(/got "16"/);
    // MQAR's model (dim 64, 4 heads: p = 16) and char-lm's (dim 128, 4 heads: p = 32); a given size wins.
    const mqar = new DeltaNet({ dim: 64, heads: 4 });
    expect(mqar.chunkSize).toBe(16);
    expect(mqar.getConfig().chunkSize).toBe(16);
    expect(new GatedDeltaNet({ dim: 128, heads: 4 }).chunkSize).toBe(32);
    expect(new GatedDeltaNet({ dim: 128, heads: 4, chunkSize: 4 }).getConfig().chunkSize).toBe(4);
    // The registry describes the rule instead of one number.
    for (const name of ['deltanet', 'gated-deltanet']) {
      const spec = getAttentionDescriptor(name).options?.['chunkSize'];
      expect(spec?.default, name).toBeUndefined();
      expect(spec?.description, name).toMatch(/head dimension/);
    }
  });

  it('default segment: 64 chunks, fewer when batch·heads·segment·max(c, p) would pass 2²¹ numbers, at least one', () => {
    // [sequences, c, p] → tokens: MQAR N = 64 (B·H = 256, p = 16, c = 16) runs its 192 tokens in one segment.
    expect(defaultSegmentLength(256, 16, 16)).toBe(512);
    expect(defaultSegmentLength(256, 64, 16)).toBe(128);
    expect(defaultSegmentLength(1, 64, 64)).toBe(64 * 64);
    expect(defaultSegmentLength(1 << 20, 64, 64)).toBe(64);
    // Chunks smaller than the head: the [p, p] state kept per chunk bounds the segment, not the [c, c] blocks.
    expect(defaultSegmentLength(256, 4, 64)).toBe(128);
    expect(defaultSegmentLength(256, 8, 128)).toBe(64);
    expect(() => defaultSegmentLength(0, 16, 16)).toThrow(
      /argument 'sequences' must be a positive integer, got 0/,
    );
    expect(() => defaultSegmentLength(4, 16, '16' as never)).toThrow(/argument 'p' .*got "16"/);
  });

  it('rejects a chunk size that is not a power of two, naming the option', () => {
    for (const bad of [0, 3, 48, 2.5, -4]) {
      expect(() => new DeltaNet({ dim: 8, heads: 2, chunkSize: bad }), String(bad)).toThrow(
        new RegExp(`option 'chunkSize' must be a power of two .*got ${bad}`),
      );
    }
    expect(() => createAttention('gated-deltanet', { dim: 8, heads: 2, chunkSize: 0 })).toThrow(/chunkSize/);
  });

  it('step rejects a state of another head count, width or batch, naming it', () => {
    const layer = new GatedDeltaNet({ dim: 8, heads: 2 });
    layer.build([null, null, 8]);
    const other = new GatedDeltaNet({ dim: 8, heads: 4 });
    const foreign = other.initState(1);
    const xt = tf.zeros([1, 8]);
    expect(() => layer.step(foreign, xt)).toThrow(
      /'state.memory' must have shape \[batch, heads, headDim, headDim\] = \[1, 2, 4, 4\], got \[1, 4, 2, 2\]/,
    );
    expect(() => layer.prefill(foreign, tf.zeros([1, 3, 8]))).toThrow(
      /GatedDeltaNet '.*' prefill: 'state.memory' must have shape .* = \[1, 2, 4, 4\], got \[1, 4, 2, 2\]/,
    );
    const state = layer.initState(3);
    expect(() => layer.step(state, xt)).toThrow(
      /'xt' must have shape \[batch, dim\] = \[3, 8\].*got \[1, 8\]/,
    );
    expect(() => layer.step({} as never, xt)).toThrow(/argument 'state' must be a state from initState/);
    expect(() => layer.step({ memory: state.memory } as never, tf.zeros([3, 8]))).toThrow(
      /'state.position' must be a non-negative integer, got undefined/,
    );
    layer.disposeState(state);
    expect(() => layer.step(state, xt)).toThrow(/'state.memory' has been disposed/);
    tf.dispose([foreign.memory, xt]);
  });

  it('prefill over a block equals step token by token, from a non-zero state, with a padded token inside', () => {
    for (const make of [
      (o: { dim: number; heads: number; chunkSize: number }) => new DeltaNet(o),
      (o: { dim: number; heads: number; chunkSize: number }) => new GatedDeltaNet(o),
    ]) {
      tf.tidy(() => {
        const layer = make({ dim: 8, heads: 2, chunkSize: 4 });
        layer.build([null, null, 8]);
        layer.setWeights(
          layer.getWeights().map((w, i) => tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 90 + i), 0.5)),
        );
        const x = tf.randomNormal([2, 11, 8], 0, 1, 'float32', 3) as tf.Tensor3D;
        const first = layer.prefill(layer.initState(2), tf.slice(x, [0, 0, 0], [2, 3, 8]));
        // Token 5 of sample 1 is padding: step skips it by keeping the state.
        const mask = tf.tensor2d([Array(8).fill(1), [1, 1, 0, 1, 1, 1, 1, 1]]);
        const block = layer.prefill(first.state, tf.slice(x, [0, 3, 0], [2, 8, 8]), mask);
        let state = first.state;
        const outputs: tf.Tensor[] = [];
        for (let t = 3; t < 11; t++) {
          const r = layer.step(state, tf.reshape(tf.slice(x, [0, t, 0], [2, 1, 8]), [2, 8]));
          outputs.push(r.output);
          if (t === 5) {
            // Sample 1 skips its padded token 5: it keeps its previous memory.
            const mixed = tf.add(
              tf.mul(r.state.memory, tf.reshape(tf.tensor1d([1, 0]), [2, 1, 1, 1])),
              tf.mul(state.memory, tf.reshape(tf.tensor1d([0, 1]), [2, 1, 1, 1])),
            ) as tf.Tensor4D;
            state = { memory: mixed, position: r.state.position };
          } else state = r.state;
        }
        const streamed = tf.stack(outputs, 1);
        const real = tf.reshape(mask, [2, 8, 1]);
        expectClose(tf.mul(block.output, real).dataSync(), tf.mul(streamed, real).dataSync(), {
          rtol: 1e-4,
          atol: 1e-5,
          label: 'prefill vs step outputs',
        });
        expectClose(block.state.memory.dataSync(), state.memory.dataSync(), {
          rtol: 1e-4,
          atol: 1e-5,
          label: 'prefill vs step state',
        });
      });
    }
  });

  it.each([
    ['DeltaNet', (o: { dim: number; heads: number; chunkSize: number }) => new DeltaNet(o)],
    ['GatedDeltaNet', (o: { dim: number; heads: number; chunkSize: number }) => new GatedDeltaNet(o)],
  ] as const)(
    '%s: prefill (fresh or stepped state, inside a tidy, empty block) then step gives the outputs, state and positions of step, and leaks no tensor',
    (_name, make) => {
      const layer = make({ dim: 8, heads: 2, chunkSize: 2 });
      layer.build([null, null, 8]);
      const weights = layer
        .getWeights()
        .map((w, i) => tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 40 + i), 0.5));
      layer.setWeights(weights);
      tf.dispose(weights);
      const x = tf.randomNormal([2, 9, 8], 0, 1, 'float32', 7) as tf.Tensor3D;
      expectPrefillMatchesSteps(layer, x, 5, { rtol: 1e-4, atol: 1e-5 });
      x.dispose();
    },
  );
});
