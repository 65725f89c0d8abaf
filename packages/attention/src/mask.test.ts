import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import {
  validateMask,
  validateMaskValues,
  tokenMask,
  headTokenMask,
  keyMaskBias,
  causalMaskBias,
  MASKED_SCORE,
} from './mask.js';
import { countDataSyncReads } from './testing/count-reads.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('mask helpers', () => {
  it('broadcast a [batch, seq] mask to tokens, heads and keys', async () => {
    await expectNoLeakedTensors(() => {
      const mask = tf.tensor2d([
        [1, 1, 0],
        [1, 0, 0],
      ]);
      const t = tokenMask(mask);
      const h = headTokenMask(mask);
      const k = keyMaskBias(mask);
      expect(t.shape).toEqual([2, 3, 1]);
      expect(h.shape).toEqual([2, 1, 3, 1]);
      expect(k.shape).toEqual([2, 1, 1, 3]);
      expect(Array.from(t.dataSync())).toEqual([1, 1, 0, 1, 0, 0]);
      expect(Array.from(k.dataSync())).toEqual([0, 0, MASKED_SCORE, 0, MASKED_SCORE, MASKED_SCORE]);
      tf.dispose([mask, t, h, k]);
    });
  });

  it('accept bool masks', () => {
    const mask = tf.tensor2d([[true, false]], [1, 2], 'bool');
    const t = tokenMask(mask as tf.Tensor2D);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual([1, 0]);
    tf.dispose([mask, t]);
  });

  it('causal bias blocks keys after the query', () => {
    const c = causalMaskBias(3);
    expect(c.shape).toEqual([1, 1, 3, 3]);
    expect(Array.from(c.dataSync())).toEqual([0, MASKED_SCORE, MASKED_SCORE, 0, 0, MASKED_SCORE, 0, 0, 0]);
    c.dispose();
  });

  it('validateMask names the layer and the expected shape', () => {
    const mask = tf.ones([2, 4]);
    expect(() => validateMask(mask, 2, 5, "TSSA 'tssa_1'")).toThrow(
      "TSSA 'tssa_1': argument 'mask' must have shape [batch, seq] = [2, 5] (1 = token, 0 = padding), got [2, 4]",
    );
    expect(() => validateMask(mask, 2, 4, 'x')).not.toThrow();
    mask.dispose();
  });
});

describe('validateMaskValues reads each mask once', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('rejects a soft mask, then reads an accepted mask (or a clone of it) only once', () => {
    expect(() => validateMaskValues(tf.tensor2d([[1, 0.5]]), "L 'x'")).toThrow(
      /'mask' must hold only 0.*got 0\.5 at \[0, 1\]/,
    );
    const mask = tf.tensor2d([[1, 1, 0]]);
    const reads = countDataSyncReads(mask);
    validateMaskValues(mask, 'L');
    validateMaskValues(mask, 'L');
    const clone = tf.clone(mask);
    clone.dataSync = () => {
      throw new Error('a clone shares the checked data and must not be read');
    };
    validateMaskValues(clone, 'L');
    expect(reads()).toBe(1);
    tf.dispose([mask, clone]);
  });
});
