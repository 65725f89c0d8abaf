import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors } from '@tost/vitest-config';
import { clipByGlobalNorm } from './clip.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm/‖g‖ over all of them (3-4-12 → norm 13)', () => {
    const a = tf.tensor1d([3, 4]);
    const b = tf.tensor1d([12]);
    const { grads, norm } = clipByGlobalNorm([a, b], 6.5);
    expect(norm.dataSync()[0]).toBeCloseTo(13, 5);
    expectClose(grads[0]!.dataSync(), [1.5, 2], { rtol: 1e-5 });
    expectClose(grads[1]!.dataSync(), [6], { rtol: 1e-5 });
    tf.dispose([a, b, norm, ...grads]);
  });

  it('leaves gradients under the threshold, and everything when maxNorm is 0', () => {
    const a = tf.tensor1d([3, 4]);
    for (const maxNorm of [10, 0]) {
      const { grads, norm } = clipByGlobalNorm([a], maxNorm);
      expectClose(grads[0]!.dataSync(), [3, 4], { rtol: 0, atol: 0 });
      expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
      tf.dispose([norm, ...grads]);
    }
    a.dispose();
  });

  it('creates only the tensors it returns, and rejects bad input by name', async () => {
    const a = tf.ones([4]);
    await expectNoLeakedTensors(() => {
      const r = clipByGlobalNorm([a], 1);
      tf.dispose([r.norm, ...r.grads]);
    });
    expect(() => clipByGlobalNorm([], 1)).toThrow(/grads is empty/);
    expect(() => clipByGlobalNorm([a], -1)).toThrow(/maxNorm must be .* got -1/);
    a.dispose();
  });
});
