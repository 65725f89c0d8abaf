import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose } from '@tost/vitest-config';
import { denseTokens } from './dense.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('denseTokens', () => {
  it('computes x·W + b per token (tfjs [in, out] kernel layout)', () => {
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const w = tf.tensor2d([
      [1, 0, 2],
      [0, 1, -1],
    ]);
    const b = tf.tensor1d([10, 20, 30]);
    const y = denseTokens(x, w, b);
    expect(y.shape).toEqual([1, 2, 3]);
    // Hand-computed: [1,2]·W = [1, 2, 0]; [3,4]·W = [3, 4, 2].
    expectClose(y.dataSync(), [11, 22, 30, 13, 24, 32], { rtol: 0, atol: 0 });
    expectClose(denseTokens(x, w).dataSync(), [1, 2, 0, 3, 4, 2], { rtol: 0, atol: 0 });
    tf.dispose([x, w, b, y]);
  });
});
