import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `fn` (sync or async) and asserts that the number of live tensors is the same afterwards.
 * Whatever `fn` returns is handed back; tensors it returns count as leaked unless `fn` disposes them.
 */
export async function expectNoLeakedTensors<T>(fn: () => T | Promise<T>, label = 'tensors'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  expect(after - before, `${label}: live tensors leaked (before ${before}, after ${after})`).toBe(0);
  return result;
}
