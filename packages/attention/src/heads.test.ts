import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { splitHeads, mergeHeads } from './heads.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('splitHeads / mergeHeads', () => {
  it('head k owns channels k·p … k·p+p−1', async () => {
    await expectNoLeakedTensors(() => {
      // x[b, n, c] = 100·b + 10·n + c, so every value says where it came from.
      const values = [...Array(2 * 3 * 6)].map((_, i) => {
        const c = i % 6;
        const n = Math.floor(i / 6) % 3;
        const b = Math.floor(i / 18);
        return 100 * b + 10 * n + c;
      });
      const x = tf.tensor3d(values, [2, 3, 6]);
      const split = splitHeads(x, 3);
      expect(split.shape).toEqual([2, 3, 3, 2]);
      const s = split.arraySync();
      for (let b = 0; b < 2; b++)
        for (let k = 0; k < 3; k++)
          for (let n = 0; n < 3; n++)
            for (let j = 0; j < 2; j++) expect(s[b]![k]![n]![j]).toBe(100 * b + 10 * n + (k * 2 + j));
      const merged = mergeHeads(split);
      expect(merged.arraySync()).toEqual(x.arraySync());
      tf.dispose([x, split, merged]);
    });
  });

  it('rejects heads that do not divide the width', () => {
    const x = tf.zeros([1, 2, 5]) as tf.Tensor3D;
    expect(() => splitHeads(x, 2)).toThrow(/heads \(2\) must divide the last axis \(5\)/);
    x.dispose();
  });
});
