import * as tf from '@tensorflow/tfjs-core';
import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '@tost/backend';
import {
  createStreamingState,
  describeStateSpec,
  disposeStreamingState,
  validateStreamingState,
  type StateSpec,
} from './streaming-state.js';

const SPEC = {
  sum: { shape: ['batch', 'heads', 'headDim', 'width'] },
  scale: { shape: ['batch', 'heads'], initial: -5 },
  cache: { shape: ['batch', 'heads', 'cached', 'headDim'] },
} as const satisfies StateSpec;
const SIZES = { heads: 2, headDim: 3, width: 4, cached: { initial: 0, max: 5 } };
const LABEL = "Demo 'x' step";

describe('streaming state spec', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('creates the state before the first token: shapes from the named sizes, initial values, position 0', () => {
    const before = tf.memory().numTensors;
    const state = createStreamingState(SPEC, 3, SIZES);
    expect(state.sum.shape).toEqual([3, 2, 3, 4]);
    expect(state.scale.shape).toEqual([3, 2]);
    expect(state.cache.shape).toEqual([3, 2, 0, 3]);
    expect(state.position).toBe(0);
    expect(Array.from(state.scale.dataSync())).toEqual([-5, -5, -5, -5, -5, -5]);
    expect(Math.max(...state.sum.dataSync())).toBe(0);
    expect(validateStreamingState(SPEC, state, SIZES, LABEL)).toBe(3);
    disposeStreamingState(SPEC, state);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the entry, the expected shape in names and numbers, and the shape given', () => {
    const state = createStreamingState(SPEC, 2, SIZES);
    const wrongHeads = { ...state, scale: tf.zeros([2, 5]) };
    expect(() => validateStreamingState(SPEC, wrongHeads, SIZES, LABEL)).toThrow(
      "Demo 'x' step: 'state.scale' must have shape [batch, heads] = [2, 2], got [2, 5]",
    );
    const mixedBatch = { ...state, cache: tf.zeros([1, 2, 0, 3]) };
    expect(() => validateStreamingState(SPEC, mixedBatch, SIZES, LABEL)).toThrow(
      /'state.cache' must have shape \[batch, heads, cached, headDim\] = \[2, 2, ≤ 5, 3\], got \[1, 2, 0, 3\]/,
    );
    const tooLong = { ...state, cache: tf.zeros([2, 2, 6, 3]) };
    expect(() => validateStreamingState(SPEC, tooLong, SIZES, LABEL)).toThrow(
      /= \[2, 2, ≤ 5, 3\], got \[2, 2, 6, 3\]/,
    );
    // A varying size is read from the state but must agree within it.
    const grown = { ...state, cache: tf.zeros([2, 2, 4, 3]) };
    expect(validateStreamingState(SPEC, grown, SIZES, LABEL)).toBe(2);
    expect(() => validateStreamingState(SPEC, { ...state, sum: tf.zeros([2, 2, 3]) }, SIZES, LABEL)).toThrow(
      /'state.sum' must have shape \[batch, heads, headDim, width\] = \[batch, 2, 3, 4\], got \[2, 2, 3\]/,
    );
    tf.dispose([wrongHeads.scale, mixedBatch.cache, tooLong.cache, grown.cache]);
    disposeStreamingState(SPEC, state);
  });

  it('rejects non-states, missing entries, disposed tensors and bad positions', () => {
    expect(() => validateStreamingState(SPEC, undefined, SIZES, LABEL)).toThrow(
      /argument 'state' must be a state from initState \(\{sum: \[batch, heads, headDim, width\], scale: \[batch, heads\], cache: .*\}, position\), got undefined/,
    );
    const state = createStreamingState(SPEC, 1, SIZES);
    expect(() => validateStreamingState(SPEC, { sum: state.sum, position: 0 }, SIZES, LABEL)).toThrow(
      /'state.scale' must have shape \[batch, heads\] = \[1, 2\], got undefined/,
    );
    expect(() => validateStreamingState(SPEC, { ...state, position: -1 }, SIZES, LABEL)).toThrow(
      /'state.position' must be a non-negative integer, got -1/,
    );
    disposeStreamingState(SPEC, state);
    expect(() => validateStreamingState(SPEC, state, SIZES, LABEL)).toThrow(/'state.sum' has been disposed/);
    expect(describeStateSpec({ a: { shape: ['batch', 1] } })).toBe('{a: [batch, 1]}');
  });

  it('a spec naming a size the layer does not define is an error naming both', () => {
    expect(() => createStreamingState({ a: { shape: ['batch', 'missing'] } }, 1, {})).toThrow(
      /state entry 'a' uses the size 'missing', which stateSizes\(\) does not define/,
    );
  });
});
