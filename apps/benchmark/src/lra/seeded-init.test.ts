import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { withSeededInit } from './seeded-init.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('withSeededInit', () => {
  it('gives the same random tensors for the same seed, other ones for another seed, and restores Math.random', () => {
    const original = Math.random;
    const draw = (seed: number) => withSeededInit(seed, () => Array.from(tf.randomNormal([5]).dataSync()));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(Math.random).toBe(original);
    expect(() =>
      withSeededInit(1, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Math.random).toBe(original);
  });
});
