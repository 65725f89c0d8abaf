import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors } from '@tost/vitest-config';
import { AdamW } from './adamw.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('AdamW', () => {
  it('matches a hand-computed first step (bias-corrected update = sign of the gradient)', async () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'layer/kernel');
    const opt = new AdamW([w], { beta1: 0.9, beta2: 0.999, epsilon: 0, weightDecay: 0.1 });
    await expectNoLeakedTensors(() => {
      const g = { 'layer/kernel': tf.tensor1d([0.5, -3]) };
      opt.apply(g, 0.01).dispose();
      tf.dispose(Object.values(g));
    });
    // m̂ = g, v̂ = g² → update = sign(g); decay adds 0.1·w. w − 0.01·(sign(g) + 0.1·w)
    expectClose(w.dataSync(), [1 - 0.01 * (1 + 0.1), -2 - 0.01 * (-1 - 0.2)], { rtol: 1e-6 });
    opt.dispose();
    w.dispose();
  });

  it('skips decay for the weights noWeightDecay names (substring, RegExp or predicate)', () => {
    for (const noWeightDecay of [
      ['temperature', /denominator_bias$/],
      (name: string) => /temperature|denominator_bias/.test(name),
    ]) {
      const t = tf.variable(tf.ones([2, 1]), true, `tssa/temperature${String(Math.random()).slice(2)}`);
      const b = tf.variable(tf.ones([2, 3, 1]), true, `ctssa/denominator_bias`);
      const k = tf.variable(tf.ones([2]), true, `dense/kernel`);
      const opt = new AdamW([t, b, k], { weightDecay: 0.5, noWeightDecay });
      const norm = opt.apply(
        { [t.name]: tf.zeros([2, 1]), [b.name]: tf.zeros([2, 3, 1]), [k.name]: tf.zeros([2]) },
        1,
      );
      expect(Array.from(t.dataSync())).toEqual([1, 1]);
      expect(Array.from(b.dataSync()).every((v) => v === 1)).toBe(true);
      // Decayed: w − lr·λ·w = 1 − 0.5 (the Adam part is 0 for a zero gradient).
      expectClose(k.dataSync(), [0.5, 0.5], { rtol: 1e-6 });
      expect(opt.decaysWeight('dense/kernel')).toBe(true);
      expect(opt.decaysWeight('x/temperature')).toBe(false);
      tf.dispose([norm, t, b, k]);
      opt.dispose();
    }
  });

  it('decays every weight when noWeightDecay is not given (no hard-coded names)', () => {
    const opt = new AdamW([], { weightDecay: 0.1 });
    expect(opt.decaysWeight('tssa/temperature')).toBe(true);
    expect(() => new AdamW([], { noWeightDecay: [3 as never] })).toThrow(/noWeightDecay entries/);
    expect(() => new AdamW([], { weightDecay: -1 })).toThrow(/weightDecay must be .* got -1/);
  });

  it('allocates exactly its two moment tensors per variable and frees them on dispose', () => {
    const w = tf.variable(tf.zeros([3, 2]), true, 'leak/w');
    const before = tf.memory().numTensors;
    const opt = new AdamW([w]);
    expect(tf.memory().numTensors - before).toBe(2);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('clips by global norm and reports the norm before clipping', () => {
    const w = tf.variable(tf.zeros([2]), true, 'w');
    const opt = new AdamW([w], { clipNorm: 1, epsilon: 0 });
    const norm = opt.apply({ w: tf.tensor1d([3, 4]) }, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
    // Adam normalises the step, so clipping leaves the first update at lr·sign(g).
    expectClose(w.dataSync(), [-1, -1], { rtol: 1e-5 });
    tf.dispose([norm, w]);
    opt.dispose();
  });

  it('state() and restore() continue identically', () => {
    let made = 0;
    const make = () => tf.variable(tf.tensor1d([1, 2, 3]), true, `v${made++}`);
    const grads = [
      tf.tensor1d([0.1, -0.2, 0.3]),
      tf.tensor1d([0.5, 0.1, -0.1]),
      tf.tensor1d([-0.3, 0.2, 0.2]),
    ];
    const a = make();
    const optA = new AdamW([a], { weightDecay: 0.01 });
    grads.forEach((g, i) => optA.apply({ [a.name]: g }, 0.1 * (i + 1)).dispose());
    const b = make();
    const optB1 = new AdamW([b], { weightDecay: 0.01 });
    optB1.apply({ [b.name]: grads[0]! }, 0.1).dispose();
    const state = optB1.state();
    const saved = state.moments.map((m) => tf.clone(m));
    const optB2 = new AdamW([b], { weightDecay: 0.01 });
    optB2.restore(state.step, saved);
    optB2.apply({ [b.name]: grads[1]! }, 0.2).dispose();
    optB2.apply({ [b.name]: grads[2]! }, 0.3).dispose();
    expectClose(b.dataSync(), a.dataSync(), { rtol: 0, atol: 0 });
    expect(() => optB2.restore(1, [])).toThrow(/expected 2 moment tensors, got 0/);
    tf.dispose([a, b, ...grads, ...saved]);
    [optA, optB1, optB2].forEach((o) => o.dispose());
  });
});
