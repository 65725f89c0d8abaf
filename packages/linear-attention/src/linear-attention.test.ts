import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  createAttention,
  getAttentionDescriptor,
  isStreamingAttention,
  type AttentionLayer,
  type StreamingAttention,
} from '@tost/attention';
import { describeAttentionConformance, describeOnBackends, setRandomWeights } from '@tost/attention/testing';
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
function naiveForward(
  name: Name,
  x: tf.Tensor3D,
  w: tf.Tensor[],
  heads: number,
  mask: tf.Tensor2D,
): tf.Tensor3D {
  const [b, n, c] = x.shape;
  const p = c / heads;
  const dense = (kernel: tf.Tensor, bias: tf.Tensor) =>
    tf.add(tf.matMul(tf.reshape(x, [b * n, c]), kernel as tf.Tensor2D), bias);
  const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [b, n, heads, p]), [0, 2, 1, 3]);
  const phi = (t: tf.Tensor) => tf.add(tf.elu(t), 1);
  const q = phi(split(dense(w[0]!, w[1]!)));
  const k = phi(split(dense(w[2]!, w[3]!)));
  const v = split(dense(w[4]!, w[5]!));
  let allowed: tf.Tensor = tf.ones([1, 1, n, n]);
  if (isCausal(name)) allowed = tf.reshape(tf.linalg.bandPart(tf.ones([n, n]), -1, 0), [1, 1, n, n]);
  allowed = tf.mul(allowed, tf.reshape(mask, [b, 1, 1, n]));
  const scores = tf.mul(tf.matMul(q, k, false, true), allowed);
  let o = tf.matMul(scores, v);
  if (goldenKind(name) === 'linear') o = tf.div(o, tf.add(tf.sum(scores, -1, true), 1e-6));
  let merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * n, c]);
  if (goldenKind(name) === 'norm_linear') {
    merged = tf.mul(tf.div(merged, tf.sqrt(tf.add(tf.mean(tf.square(merged), -1, true), 1e-6))), w[8]!);
  }
  return tf.reshape(tf.add(tf.matMul(merged, w[6]! as tf.Tensor2D), w[7]!), [b, n, c]);
}

<<<<<<< HEAD
/** Values at real tokens only (outputs at padded tokens are unspecified). */
function realRows(y: tf.Tensor, mask: NestedNumbers): number[] {
  const values = y.dataSync();
  const flags = (mask as number[][]).flat();
  const dim = y.shape[2]!;
  return flags.flatMap((m, t) => (m === 1 ? Array.from(values.subarray(t * dim, (t + 1) * dim)) : []));
}

function build(name: Name, dim: number, heads: number, weights?: tf.Tensor[]): AttentionLayer {
  const layer = createAttention(name, { dim, heads });
  layer.build([null, null, dim]);
  const values =
    weights ?? layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.4, 'float32', 40 + i));
  layer.setWeights(values);
  if (!weights) tf.dispose(values);
  return layer;
}

for (const backend of testBackends()) {
  describe(`linear and norm-linear attention on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const name of LINEAR_ATTENTION_NAMES) {
      it(`${name}: matches the float64 golden cases at real tokens (relative error < 1e-4)`, () => {
        const cases = loadVariantGoldenCases(goldenKind(name), { causal: isCausal(name) });
        expect(cases.length).toBeGreaterThanOrEqual(3);
        for (const [i, gc] of cases.entries()) {
          tf.tidy(() => {
            const x = tf.tensor(gc.x as number[][][]) as tf.Tensor3D;
            const weights = gc.weights.map((w) => tf.tensor(w as number[]));
            const layer = build(name, x.shape[2], gc.heads, weights);
            const y = layer.apply(x, { mask: tf.tensor(gc.mask as number[][]) }) as tf.Tensor;
            const expected = realRows(tf.tensor(gc.y as number[][][]), gc.mask);
            expect(maxRelativeError(realRows(y, gc.mask), expected), `case ${i}`).toBeLessThan(1e-4);
            layer.weights.forEach((w) => w.dispose());
          });
        }
      });

      it(`${name}: equals the quadratic definition on 300 tokens with padding (several chunks), values and gradients`, async () => {
        const [b, n, dim, heads] = [2, 300, 8, 2];
        const layer = build(name, dim, heads);
        await expectNoLeakedTensors(() => {
          tf.tidy(() => {
            const x = tf.randomNormal([b, n, dim], 0, 1, 'float32', 50) as tf.Tensor3D;
            const mask = tf.concat(
              [tf.ones([1, n]), tf.concat([tf.ones([1, n - 37]), tf.zeros([1, 37])], 1)],
              0,
            ) as tf.Tensor2D;
            const probe = tf.mul(
              tf.randomNormal([b, n, dim], 0, 1, 'float32', 51),
              tf.reshape(mask, [b, n, 1]),
            );
            const weights = layer.getWeights();
            const y = layer.apply(x, { mask }) as tf.Tensor;
            const ref = naiveForward(name, x, weights, heads, mask);
            expect(
              maxRelativeError(
                tf.mul(y, tf.reshape(mask, [b, n, 1])).dataSync(),
                tf.mul(ref, tf.reshape(mask, [b, n, 1])).dataSync(),
              ),
            ).toBeLessThan(1e-4);
            const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
            const ours = tf.variableGrads(
              () => tf.sum(tf.mul(layer.apply(x, { mask }) as tf.Tensor, probe)) as tf.Scalar,
              vars,
            );
            const theirs = tf.grads((...ws: tf.Tensor[]) =>
              tf.sum(tf.mul(naiveForward(name, x, ws, heads, mask), probe)),
            )(weights);
            vars.forEach((v, i) =>
              expect(
                maxRelativeError(ours.grads[v.name]!.dataSync(), theirs[i]!.dataSync()),
                `gradient of ${layer.trainableWeights[i]!.name}`,
              ).toBeLessThan(1e-4),
            );
          });
        }, name);
        layer.weights.forEach((w) => w.dispose());
      });
    }

    it('descriptors: parameterCount equals the trainable parameters, names fix causal, streaming iff causal', () => {
      for (const name of LINEAR_ATTENTION_NAMES) {
        const d = getAttentionDescriptor(name);
        for (const useBias of [true, false]) {
          const layer = createAttention(name, { dim: 12, heads: 3, useBias });
          layer.build([null, null, 12]);
          const trainable = layer.trainableWeights.reduce(
            (s, w) => s + w.shape.reduce<number>((a, c) => a * (c ?? 1), 1),
            0,
          );
          expect(d.parameterCount({ dim: 12, heads: 3, useBias }), `${name} useBias ${useBias}`).toBe(
            trainable,
          );
          expect(layer.countParams()).toBe(trainable);
          layer.weights.forEach((w) => w.dispose());
        }
        expect(d.causal).toBe(isCausal(name));
        expect(d.streaming).toBe(isCausal(name));
        expect(d.complexity).toBe('linear');
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
=======
for (const name of LINEAR_ATTENTION_NAMES) {
  describeAttentionConformance(name, (o) => createAttention(name, o), {
    causal: isCausal(name),
    streaming: isCausal(name),
    golden: golden[name],
    registered: name,
    reference: (x, w, mask, { heads }) => naiveForward(name, x, w, heads, mask),
>>>>>>> kit
  });
}

const build = (name: Name, dim: number, heads: number) =>
  setRandomWeights(createAttention(name, { dim, heads }), { dim, seed: 40 });

describeOnBackends('linear and norm-linear attention', () => {
  it('descriptors: linear, the name fixes causal, no variant options', () => {
    for (const name of LINEAR_ATTENTION_NAMES) {
      expect(getAttentionDescriptor(name).complexity).toBe('linear');
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
      const wrong = { sum: tf.zeros([3, 4, 4, 4]) as tf.Tensor4D };
      expect(() => layer.step(wrong, tf.zeros([3, 8]))).toThrow(
        /'state.sum' must have shape \[batch, 2, 4, \d\], got \[3, 4, 4, 4\]/,
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
