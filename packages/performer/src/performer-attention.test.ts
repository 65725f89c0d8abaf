import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createAttention, getAttentionDescriptor } from '@tost/attention';
import {
  describeRegisteredConformance,
  describeAttentionConformance,
  describeOnBackends,
  projectedReference,
  setRandomWeights,
  stepThrough,
  disposeStepped,
  type ReferenceForward,
} from '@tost/attention/testing';
import { expectNoLeakedTensors, maxRelativeError } from '@tost/vitest-config';
import { golden } from './golden.js';
import {
  PERFORMER_NAMES,
  PerformerAttention,
  drawOrthogonalFeatures,
  favorFeatures,
  favorLogits,
  performerChunkSize,
  type PerformerState,
} from './index.js';

type Name = (typeof PERFORMER_NAMES)[number];
const isCausal = (name: Name) => name === 'performer-causal';

// m not a multiple of p (a truncated orthogonal block), as in the golden cases.
describeAttentionConformance(
  'performer-causal (features 9)',
  (o) => createAttention('performer-causal', { ...o, features: 9 }),
  {
    causal: true,
    streaming: true,
  },
);

/**
 * FAVOR+ written out quadratically, without stabilisers (independent reference, differentiated by autodiff):
 * φ(u) = exp(ũ·Ω − ‖ũ‖²/2)/√m, the N×N matrix φ(q)·φ(k)ᵀ masked to real (and earlier) keys, row-normalised, times v.
 */
const naiveForward = (name: Name): ReferenceForward =>
  projectedReference(
    (q, k, v, { allowed, weights }) => {
      const omega = weights[8]!;
      const [b, heads, n, p] = q.shape;
      const m = omega.shape[1]!;
      const phi = (u: tf.Tensor) => {
        const s = tf.mul(u, p ** -0.25);
        const logits = tf.sub(
          tf.reshape(tf.matMul(tf.reshape(s, [-1, p]), omega as tf.Tensor2D), [b, heads, n, m]),
          tf.mul(tf.sum(tf.square(s), -1, true), 0.5),
        );
        return tf.div(tf.exp(logits), Math.sqrt(m));
      };
      const scores = tf.mul(tf.matMul(phi(q), phi(k), false, true), allowed);
      return tf.div(tf.matMul(scores, v), tf.sum(scores, -1, true));
    },
    { causal: isCausal(name) },
  );

// Ω stays the seeded orthogonal draw (non-trainable): the reference check randomises the projections only.
for (const name of PERFORMER_NAMES) {
  describeRegisteredConformance(name, {
    causal: isCausal(name),
    streaming: isCausal(name),
    golden,
    descriptor: { family: 'kernel' },
    reference: {
      forward: naiveForward(name),
      seed: 80,
      padded: 29,
      options: { seed: 3 },
    },
  });
}

/** Random projections; Ω stays the seeded orthogonal draw. */
const build = (
  name: Name,
  dim: number,
  heads: number,
  options: { features?: number; seed?: number } = {},
  std = 0.4,
) =>
  setRandomWeights(createAttention(name, { dim, heads, ...options }) as PerformerAttention, {
    dim,
    seed: 80,
    std,
  });

const dispose = (layer: PerformerAttention) => layer.weights.forEach((w) => w.dispose());

describeOnBackends('performer attention', () => {
  it('FAVOR+ estimates the softmax kernel: exp(ℓ(q))·exp(ℓ(k))/m ≈ exp(q·k/√p) with many orthogonal features', () => {
    tf.tidy(() => {
      const p = 8;
      const omega = drawOrthogonalFeatures(p, 8192, 13);
      const q = tf.mul(tf.randomNormal([1, 1, 20, p], 0, 1, 'float32', 95), 0.5) as tf.Tensor4D;
      const k = tf.mul(tf.randomNormal([1, 1, 20, p], 0, 1, 'float32', 96), 0.5) as tf.Tensor4D;
      const features = (u: tf.Tensor4D) => tf.reshape(tf.exp(favorLogits(u, omega)), [20, 8192]);
      const estimate = tf.div(tf.matMul(features(q), features(k), false, true), 8192);
      const exact = tf.exp(
        tf.div(tf.matMul(tf.reshape(q, [20, p]), tf.reshape(k, [20, p]), false, true), Math.sqrt(p)),
      );
      const relative = tf.mean(tf.abs(tf.div(tf.sub(estimate, exact), exact))).dataSync()[0]!;
      expect(relative).toBeLessThan(0.03);
    });
  });

  it('favorFeatures: values and the hand-written u-gradient equal autodiff of exp(ℓ − s)/√m; Ω is a constant', async () => {
    await expectNoLeakedTensors(() => {
      tf.tidy(() => {
        const u = tf.randomNormal([2, 3, 7, 4], 0, 1, 'float32', 97) as tf.Tensor4D;
        const omega = drawOrthogonalFeatures(4, 6, 14);
        const s = tf.add(tf.max(favorLogits(u, omega), -1, true), 0.3);
        const probe = tf.randomNormal([2, 3, 7, 6], 0, 1, 'float32', 98);
        const reference = (a: tf.Tensor) =>
          tf.div(tf.exp(tf.sub(favorLogits(a as tf.Tensor4D, omega), s)), Math.sqrt(6));
        const ours = (a: tf.Tensor, stabiliser: tf.Tensor | ((l: tf.Tensor4D) => tf.Tensor)) => {
          const r = favorFeatures(a as tf.Tensor4D, omega, stabiliser);
          r.stabiliser.dispose();
          return r.features;
        };
        const stabilise = (l: tf.Tensor4D) => tf.add(tf.max(l, -1, true), 0.3);
        for (const stabiliser of [s, stabilise]) {
          expect(maxRelativeError(ours(u, stabiliser).dataSync(), reference(u).dataSync())).toBeLessThan(
            1e-6,
          );
          const [du] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(ours(a, stabiliser), probe)))([u]);
          const [expected] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(reference(a), probe)))([u]);
          expect(maxRelativeError(du!.dataSync(), expected!.dataSync())).toBeLessThan(1e-5);
        }
        // The stabiliser computed inside the op is returned, and is what the features were divided by.
        const { features, stabiliser } = favorFeatures(u, omega, stabilise);
        expect(maxRelativeError(stabiliser.dataSync(), s.dataSync())).toBeLessThan(1e-6);
        expect(maxRelativeError(features.dataSync(), reference(u).dataSync())).toBeLessThan(1e-6);
        stabiliser.dispose();
        const [dOmega] = tf.grads((o: tf.Tensor) => {
          const r = favorFeatures(u, o as tf.Tensor2D, s);
          r.stabiliser.dispose();
          return tf.sum(tf.mul(r.features, probe));
        })([omega]);
        expect(Array.from(dOmega!.dataSync())).toEqual(new Array(24).fill(0));
      });
    }, 'favorFeatures');
  });

  it('favorFeatures with realTokens: padded tokens are exactly 0 with zero gradient, even where ℓ > s', () => {
    tf.tidy(() => {
      const u = tf.randomNormal([1, 2, 5, 4], 0, 1, 'float32', 99) as tf.Tensor4D;
      const omega = drawOrthogonalFeatures(4, 6, 15);
      const real = tf.tensor4d([1, 1, 0, 1, 0], [1, 1, 5, 1]);
      // s far below the padded tokens' logits (exp(ℓ − s) alone would overflow), exact for the real ones.
      const s = tf.sub(tf.max(favorLogits(u, omega), -1, true), tf.mul(tf.sub(1, real), 200));
      const run = (a: tf.Tensor) => {
        const r = favorFeatures(a as tf.Tensor4D, omega, s, real);
        r.stabiliser.dispose();
        return r.features;
      };
      const values = tf.reshape(run(u), [2, 5, 6]).arraySync() as number[][][];
      const [du] = tf.grads((a: tf.Tensor) => tf.sum(run(a)))([u]);
      const grads = tf.reshape(du!, [2, 5, 4]).arraySync() as number[][][];
      for (const head of [0, 1]) {
        for (const t of [2, 4]) {
          expect(values[head]![t]).toEqual(new Array(6).fill(0));
          expect(grads[head]![t]).toEqual(new Array(4).fill(0));
        }
        expect(values[head]![0]!.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
        expect(grads[head]![1]!.some((x) => x !== 0)).toBe(true);
      }
    });
  });

  it('favorFeatures with zeroNonFinite: a token with NaN gets zero features, every other token the same values', () => {
    tf.tidy(() => {
      const clean = tf.randomNormal([1, 2, 5, 4], 0, 1, 'float32', 100) as tf.Tensor4D;
      // Token 3 of head 1 holds a NaN.
      const nan = tf.tensor4d(
        Array.from({ length: 40 }, (_, i) => (i === 1 * 20 + 3 * 4 + 2 ? NaN : 0)),
        [1, 2, 5, 4],
      );
      const u = tf.add(clean, nan) as tf.Tensor4D;
      const omega = drawOrthogonalFeatures(4, 6, 16);
      const run = (zero: boolean) => {
        const r = favorFeatures(u, omega, (l) => tf.max(l, -1, true), undefined, zero);
        r.stabiliser.dispose();
        return tf.reshape(r.features, [2, 5, 6]).arraySync() as number[][][];
      };
      const [raw, zeroed] = [run(false), run(true)];
      expect(raw[1]![3]!.every(Number.isNaN)).toBe(true);
      expect(zeroed[1]![3]).toEqual(new Array(6).fill(0));
      zeroed[1]![3] = raw[1]![3]!;
      expect(zeroed).toEqual(raw);
    });
  });

  it('stabilisers: large logits give finite outputs equal to the float32-safe reference ratio', () => {
    const layer = build('performer-causal', 8, 2, { seed: 6 }, 3);
    tf.tidy(() => {
      // ‖q̃‖², ‖k̃‖² in the hundreds: exp(ℓ) alone would overflow float32 (> e^88).
      const x = tf.mul(tf.randomNormal([1, 40, 8], 0, 1, 'float32', 93), 4) as tf.Tensor3D;
      const y = (layer.apply(x) as tf.Tensor).dataSync();
      expect(Array.from(y).every(Number.isFinite)).toBe(true);
      const nonCausal = createAttention('performer', { dim: 8, heads: 2, seed: 6 });
      nonCausal.build([null, null, 8]);
      nonCausal.setWeights(layer.getWeights());
      expect(Array.from((nonCausal.apply(x) as tf.Tensor).dataSync()).every(Number.isFinite)).toBe(true);
      nonCausal.weights.forEach((w) => w.dispose());
    });
    dispose(layer);
  });

  it('rows that see no key (a padding-only sample; causal, leading padding) add exactly nothing to the gradients', () => {
    for (const name of PERFORMER_NAMES) {
      const layer = build(name, 8, 2);
      tf.tidy(() => {
        const x = tf.randomNormal([2, 10, 8], 0, 1, 'float32', 81);
        // Sample 0: three leading padded tokens; sample 1: padding only.
        const mask = tf.tensor2d(
          [...Array(20)].map((_, t) => (t >= 3 && t < 10 ? 1 : 0)),
          [2, 10],
        );
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const loss = (input: tf.Tensor, m?: tf.Tensor) => () =>
          tf.sum(
            tf.mul(layer.apply(input, m ? { mask: m } : {}) as tf.Tensor, m ? tf.expandDims(m, 2) : 1),
          ) as tf.Scalar;
        const padded = tf.variableGrads(loss(x, mask), vars).grads;
        // The same real tokens alone: sample 0 without its padded tokens, no sample 1.
        const alone = tf.variableGrads(loss(tf.slice(x, [0, 3, 0], [1, 7, 8])), vars).grads;
        for (const v of vars) {
          const [a, b] = [padded[v.name]!.dataSync(), alone[v.name]!.dataSync()];
          expect(Array.from(a).every(Number.isFinite), `${name}: gradient of ${v.name} finite`).toBe(true);
          expect(maxRelativeError(a, b), `${name}: gradient of ${v.name}`).toBeLessThan(1e-4);
        }
      });
      dispose(layer);
    }
  });

  it('random features: seeded, orthogonal within blocks of p, saved as a non-trainable weight; redrawFeatures', () => {
    tf.tidy(() => {
      const omega = drawOrthogonalFeatures(4, 10, 7);
      expect(omega.shape).toEqual([4, 10]);
      expect(drawOrthogonalFeatures(4, 10, 7).dataSync()).toEqual(omega.dataSync());
      expect(maxRelativeError(drawOrthogonalFeatures(4, 10, 8).dataSync(), omega.dataSync())).toBeGreaterThan(
        0.1,
      );
      // Columns of one block are orthogonal: the Gram matrix of block 0 (columns 0–3) is diagonal.
      const block = tf.slice(omega, [0, 0], [4, 4]);
      const gram = tf.matMul(block, block, true, false).arraySync() as number[][];
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++)
          if (i !== j) expect(Math.abs(gram[i]![j]!)).toBeLessThan(1e-4 * gram[i]![i]!);
      // Lengths are norms of N(0, I_p) vectors: E‖ω‖² = p.
      const lengths = tf.sum(tf.square(drawOrthogonalFeatures(16, 4096, 9)), 0);
      expect(tf.mean(lengths).dataSync()[0]!).toBeCloseTo(16, 0);
    });
    const layer = build('performer', 8, 2, { seed: 11 });
    expect(layer.nonTrainableWeights.map((w) => w.name)).toEqual([expect.stringMatching(/random_features/)]);
    expect(layer.getWeights().length).toBe(9);
    expect(layer.getConfig()).toMatchObject({ seed: 11, features: 16, causal: false });
    tf.tidy(() => {
      const x = tf.randomNormal([1, 5, 8], 0, 1, 'float32', 94);
      const before = (layer.apply(x) as tf.Tensor).dataSync();
      layer.redrawFeatures(12);
      expect(layer.seed).toBe(12);
      expect(layer.getConfig()).toMatchObject({ seed: 12 });
      expect(layer.getWeights()[8]!.dataSync()).toEqual(drawOrthogonalFeatures(4, 16, 12).dataSync());
      expect(maxRelativeError((layer.apply(x) as tf.Tensor).dataSync(), before)).toBeGreaterThan(1e-3);
      layer.redrawFeatures(11);
      expect((layer.apply(x) as tf.Tensor).dataSync()).toEqual(before);
      layer.redrawFeatures();
      expect(layer.seed).not.toBe(11);
    });
    expect(() => layer.redrawFeatures(-1)).toThrow(
      /redrawFeatures argument 'seed' must be an integer ≥ 0, got -1/,
    );
    expect(() => new PerformerAttention({ dim: 8, heads: 2 }).redrawFeatures(1)).toThrow(
      /redrawFeatures needs built weights/,
    );
    dispose(layer);
  });

  it('descriptors and bad options: features, seed, causal slot, unknown options', () => {
    for (const name of PERFORMER_NAMES) {
      const d = getAttentionDescriptor(name);
      // The random features Ω [p, m] are saved but not trained: countParams = parameterCount + p·m.
      const layer = createAttention(name, { dim: 12, heads: 3, features: 5 });
      layer.build([null, null, 12]);
      expect(layer.countParams()).toBe(d.parameterCount({ dim: 12, heads: 3 }) + 4 * 5);
      layer.weights.forEach((w) => w.dispose());
      for (const bad of [0, -3, 2.5]) {
        expect(() => createAttention(name, { dim: 8, heads: 2, features: bad }), `features ${bad}`).toThrow(
          new RegExp(`option 'features' must be an integer > 0 .*got ${bad}`),
        );
        expect(() => new PerformerAttention({ dim: 8, heads: 2, features: bad })).toThrow(
          new RegExp(`option 'features' must be a positive integer .*got ${bad}`),
        );
      }
      expect(() => createAttention(name, { dim: 8, heads: 2, features: '8' } as never)).toThrow(
        /'features'.*got "8"/,
      );
      expect(() => createAttention(name, { dim: 8, heads: 2, seed: -1 })).toThrow(
        /option 'seed' must be an integer ≥ 0 .*got -1/,
      );
      expect(() => new PerformerAttention({ dim: 8, heads: 2, seed: 0.5 })).toThrow(
        /option 'seed' must be an integer ≥ 0, got 0.5/,
      );
      expect(() => createAttention(name, { dim: 8, heads: 2, causal: !isCausal(name) } as never)).toThrow(
        new RegExp(`option 'causal' is fixed to ${isCausal(name)} by the name '${name}'`),
      );
      expect(() => createAttention(name, { dim: 8, heads: 2, feature: 8 } as never)).toThrow(
        /unknown option 'feature' \(given 8\)/,
      );
    }
  });

  it('causal chunk size: 2p rounded up to a power of two, 16 to 128; the call over several chunks equals the steps', () => {
    expect([1, 4, 8, 9, 16, 17, 32, 64, 65].map(performerChunkSize)).toEqual([
      16, 16, 16, 32, 32, 64, 64, 128, 128,
    ]);
    for (const bad of [0, -2, 1.5, Number.NaN]) {
      expect(() => performerChunkSize(bad), String(bad)).toThrow(/argument 'p' \(head dimension\) .*got/);
    }
    expect(() => performerChunkSize('16' as never)).toThrow(/got "16"/);
    // p = 4: chunks of 16, so 37 tokens are two whole chunks and a partial third; the steps never chunk.
    const layer = build('performer-causal', 8, 2, { seed: 3 });
    const x = tf.randomNormal([2, 37, 8], 0, 1, 'float32', 5) as tf.Tensor3D;
    const whole = layer.apply(x) as tf.Tensor3D;
    const stepped = stepThrough(layer, layer.initState(2), x);
    const steps = tf.stack(stepped.outputs, 1);
    expect(maxRelativeError(whole.dataSync(), steps.dataSync())).toBeLessThan(1e-4);
    disposeStepped(layer, stepped);
    tf.dispose([x, whole, steps]);
    dispose(layer);
  });

  it('step rejects a state from another batch size or layer; the non-causal form cannot step', () => {
    const layer = build('performer-causal', 8, 2);
    const state = layer.initState(2);
    expect(() => layer.step(state, tf.zeros([3, 8]))).toThrow(
      /'xt' must have shape \[batch, dim\] = \[2, 8\].*got \[3, 8\]/,
    );
    const other = build('performer-causal', 8, 2, { features: 6 });
    const otherState = other.initState(2);
    expect(() => layer.step(otherState, tf.zeros([2, 8]))).toThrow(
      /'state.sum' must have shape \[batch, heads, features, headDim \+ 1\] = \[2, 2, 16, 5\], got \[2, 2, 6, 5\]/,
    );
    expect(() => layer.step({} as PerformerState, tf.zeros([2, 8]))).toThrow(
      /argument 'state' must be a state from initState/,
    );
    const nonCausal = build('performer', 8, 2);
    expect(() => nonCausal.step(state, tf.zeros([2, 8]))).toThrow(/step needs the causal form/);
    layer.disposeState(state);
    other.disposeState(otherState);
    [layer, other, nonCausal].forEach(dispose);
  });
});
