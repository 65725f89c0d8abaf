import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { stackChunks, sweepStep, unstackChunks } from './chunk-sweep.js';

for (const backend of testBackends()) {
  describe(`chunk sweep helpers on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('unstackChunks gives chunk j of every sequence; stackChunks restores the layout', () => {
      tf.tidy(() => {
        // 2 sequences of 3 chunks [1, 2]: entry = 100·sequence + 10·chunk + column.
        const values = [0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121];
        const t = tf.tensor3d(values, [6, 1, 2]);
        const parts = unstackChunks(t, 2);
        expect(parts.map((x) => x.shape)).toEqual([
          [2, 1, 2],
          [2, 1, 2],
          [2, 1, 2],
        ]);
        expect(Array.from(parts[1]!.dataSync())).toEqual([10, 11, 110, 111]);
        expect(Array.from(stackChunks(parts).dataSync())).toEqual(values);
        expect(Array.from(stackChunks(unstackChunks(t, 6)).dataSync())).toEqual(values);
      });
    });

    it('unstackChunks names its argument when the sequences do not divide the leading axis', () => {
      tf.tidy(() => {
        expect(() => unstackChunks(tf.zeros([5, 1, 2]), 2)).toThrow(
          /unstackChunks: argument 't' must be \[m·n, r, s\] with m = 2 sequences, got \[5, 1, 2\]/,
        );
      });
    });

    it('sweepStep keeps only the step result and disposes the carried tensor it replaces', async () => {
      const start = tf.ones([2, 2]);
      await expectNoLeakedTensors(() => {
        let state = sweepStep(undefined, () => tf.mul(start, 2));
        state = sweepStep(state, () => tf.add(tf.mul(state, 3), 1));
        expect(Array.from(state.dataSync())).toEqual([7, 7, 7, 7]);
        state.dispose();
      }, 'sweep');
      expect(start.isDisposed).toBe(false);
      start.dispose();
    });
  });
}
