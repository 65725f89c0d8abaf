import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { expectClose } from '@tost/vitest-config';
import { maskedSoftmax, maskedSoftmaxForward } from './masked-softmax.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('maskedSoftmax', () => {
  it('refuses a mask that is not bool or does not broadcast to the scores, naming both shapes', () => {
    tf.tidy(() => {
      const scores = tf.zeros([2, 3]);
      expect(() => maskedSoftmax(scores, tf.ones([2, 4], 'bool'))).toThrow(
        "maskedSoftmax: 'allowed' must be a bool tensor broadcastable to the scores [2, 3], got bool [2, 4]",
      );
      expect(() => maskedSoftmaxForward(scores, tf.ones([2, 3]))).toThrow(/got float32 \[2, 3\]$/);
      expect(() => maskedSoftmax(scores, tf.ones([1, 2, 3], 'bool'))).toThrow(/got bool \[1, 2, 3\]$/);
      // Broadcastable masks still work: a row mask [1, 3] and a scalar-like [1].
      expect(maskedSoftmax(scores, tf.ones([1, 3], 'bool')).shape).toEqual([2, 3]);
      expect(maskedSoftmaxForward(scores, tf.ones([3], 'bool')).shape).toEqual([2, 3]);
    });
  });

  it('gives exact zeros at disallowed entries, zeros for rows with none, and finite gradients', () => {
    tf.tidy(() => {
      const scores = tf.tensor2d([
        [1, 2, Number.NaN, 1e30],
        [Number.NaN, 5, 6, 7],
      ]);
      const allowed = tf.tensor2d(
        [
          [1, 1, 0, 0],
          [0, 0, 0, 0],
        ],
        undefined,
        'bool',
      );
      const p = maskedSoftmax(scores, allowed).arraySync() as number[][];
      const e = Math.exp(1) / (Math.exp(1) + Math.exp(2));
      expect(p[0]![0]).toBeCloseTo(e, 6);
      expect(p[0]![1]).toBeCloseTo(1 - e, 6);
      expect(p[0]!.slice(2)).toEqual([0, 0]);
      expect(p[1]).toEqual([0, 0, 0, 0]);
      expect(maskedSoftmaxForward(scores, allowed).arraySync()).toEqual(p);
      const probe = tf.tensor2d([
        [1, -2, 3, 4],
        [5, 6, 7, 8],
      ]);
      // Gradients with the NaN and 1e30 still in the disallowed scores.
      const g = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(maskedSoftmax(s, allowed), probe)))(scores);
      expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
      // d/ds of Σ p·probe at allowed entries: p ⊙ (probe − Σ p·probe); 0 elsewhere.
      const dot = e * 1 + (1 - e) * -2;
      expectClose(g.dataSync(), [e * (1 - dot), (1 - e) * (-2 - dot), 0, 0, 0, 0, 0, 0], {
        rtol: 1e-5,
        atol: 1e-6,
        label: 'gradient',
      });
    });
  });

  it('the forward form, on cpu and wasm: exact zeros at disallowed entries (NaN, ±Infinity, 1e30 there), zeros for rows with no allowed entry, the softmax over the allowed entries elsewhere (−Infinity, the lowest float32, −1e5 among them)', async () => {
    const lowest = -3.4028234663852886e38;
    const rows = [
      [1, 2, Number.NaN, 1e30, Number.POSITIVE_INFINITY],
      [Number.NaN, 5, 6, 7, 8],
      [Number.NEGATIVE_INFINITY, 0.5, Number.NaN, 4, Number.NEGATIVE_INFINITY],
      [-1e30, 0.5, -3e38, 2, Number.NEGATIVE_INFINITY],
      [lowest, lowest, 5, 7, 0],
      [-1e5, -1e5 - 1, 5, 7, 3],
    ];
    const mask = [
      [true, true, false, false, false],
      [false, false, false, false, false],
      [true, true, false, false, true],
      [true, true, true, false, true],
      [true, true, false, false, false],
      [true, true, false, false, false],
    ];
    // By definition, in float64: exp(s − max) / Σ over the allowed entries of each row.
    const expected = rows.map((row, i) => {
      const allowedScores = row.filter((_, j) => mask[i]![j] && row[j] !== Number.NEGATIVE_INFINITY);
      if (allowedScores.length === 0) return row.map(() => 0);
      const max = Math.max(...allowedScores);
      const total = allowedScores.reduce((a, x) => a + Math.exp(x - max), 0);
      return row.map((x, j) => (mask[i]![j] ? Math.exp(x - max) / total : 0));
    });
    try {
      for (const backend of ['cpu', 'wasm']) {
        await initBackend(backend);
        const before = tf.memory().numTensors;
        const p = tf.tidy(() =>
          maskedSoftmaxForward(tf.tensor2d(rows), tf.tensor2d(mask, undefined, 'bool')),
        );
        const got = p.arraySync() as number[][];
        p.dispose();
        expect(tf.memory().numTensors, backend).toBe(before);
        got.forEach((row, i) =>
          row.forEach((x, j) => {
            if (!mask[i]![j] || expected[i]![j] === 0) expect(x, `${backend} [${i}, ${j}]`).toBe(0);
            else expect(x, `${backend} [${i}, ${j}]`).toBeCloseTo(expected[i]![j]!, 6);
          }),
        );
      }
    } finally {
      await initBackend('cpu');
    }
  });
});
