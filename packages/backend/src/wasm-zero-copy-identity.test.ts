import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// The core's node bundle does not register gradients by itself.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { initBackend } from './index.node.js';

describe('wasm zero-copy Identity (installed by initBackend)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('tf.clone shares the buffer instead of copying it, and stays valid after the original is disposed', () => {
    const x = tf.tensor1d([1, 2, 3, 4]);
    const buffersBefore = tf.engine().backend.numDataIds();
    const y = tf.clone(x);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore - 1);
  });

  it('a clone of a variable keeps its value when the variable is assigned', () => {
    const v = tf.variable(tf.tensor1d([5, 6]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8]));
    expect(Array.from(snapshot.dataSync())).toEqual([5, 6]);
    expect(Array.from(v.dataSync())).toEqual([7, 8]);
    tf.dispose([v, snapshot]);
  });

  it('gradients that save their inputs are unchanged', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, a))))(x);
    // d/dA Σ (A·A)² = 2·(G·Aᵀ + Aᵀ·G) with G = A·A, by hand: G = [[7,10],[15,22]].
    expect(Array.from(dx.dataSync())).toEqual([
      2 * (7 * 1 + 10 * 2 + 1 * 7 + 3 * 15),
      2 * (7 * 3 + 10 * 4 + 1 * 10 + 3 * 22),
      2 * (15 * 1 + 22 * 2 + 2 * 7 + 4 * 15),
      2 * (15 * 3 + 22 * 4 + 2 * 10 + 4 * 22),
    ]);
    tf.dispose([x, dx]);
  });
});
