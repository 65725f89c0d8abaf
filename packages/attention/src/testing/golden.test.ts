import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { AttentionLayer } from '../attention-layer.js';
import {
  describeGoldenCase,
  realRows,
  relativeError,
  runGoldenCase,
  selectGoldenCases,
  type GoldenCase,
  type GoldenSpec,
} from './golden.js';
import { expectGoldenComparison, goldenCaseTests, loadVendoredGolden } from './golden-tests.js';

/** A stand-in layer y = x·s with one scalar weight s (the golden runner only builds, sets weights and applies). */
function scaleLayer(offset = 0): AttentionLayer {
  let weight: tf.Tensor | undefined;
  const layer = {
    weights: [] as { dispose(): void }[],
    build: () => undefined,
    setWeights: ([w]: tf.Tensor[]) => {
      weight = tf.keep(tf.add(w!, offset));
      layer.weights = [weight];
    },
    apply: (x: tf.Tensor) => tf.mul(x, weight!),
  };
  return layer as unknown as AttentionLayer;
}

// Token 2 of the sample is padding: its expected output is arbitrary, and must not count.
const cases: GoldenCase[] = [
  {
    kind: 'scale',
    heads: 1,
    causal: false,
    x: [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ],
    mask: [[1, 1, 0]],
    weights: [2],
    y: [
      [
        [2, 4],
        [6, 8],
        [99, -99],
      ],
    ],
  },
  { kind: 'scale', heads: 1, causal: true, x: [[[1, -1]]], mask: [[1]], weights: [3], y: [[[3, -3]]] },
  { kind: 'other', heads: 1, x: [[[1]]], y: [[[1]]], weights: [1] },
];
const spec: GoldenSpec = { file: 'variants-seed0', kind: 'scale' };

describe('golden declarations (browser-safe part)', () => {
  it('selectGoldenCases filters by kind and causal, and throws naming both when nothing matches', () => {
    expect(selectGoldenCases(cases, spec)).toHaveLength(2);
    expect(selectGoldenCases(cases, { ...spec, causal: true })).toEqual([cases[1]]);
    expect(() => selectGoldenCases(cases, { ...spec, kind: 'missing', causal: false })).toThrow(
      /no golden cases of kind 'missing' with causal false in variants-seed0/,
    );
  });

  it('realRows keeps the rows where the mask is 1, from flat or nested values', () => {
    expect(realRows([1, 2, 3, 4, 5, 6], [1, 3, 2], [[1, 0, 1]])).toEqual([1, 2, 5, 6]);
    expect(
      realRows(
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        [1, 2, 2],
        new Float32Array([0, 1]),
      ),
    ).toEqual([3, 4]);
    expect(realRows([[[1, 2]]], [1, 1, 2])).toEqual([1, 2]);
  });

  it('relativeError is max|a − e| / max|e|, and rejects a length mismatch', () => {
    expect(relativeError([1, 2], [1, 4])).toBeCloseTo(0.5, 12);
    expect(relativeError([0.5], [0])).toBe(0.5);
    expect(() => relativeError([1], [1, 2])).toThrow(/1 actual values vs 2 expected/);
  });

  it('describeGoldenCase names the shape, heads and per-kind fields', () => {
    expect(describeGoldenCase({ ...cases[0]!, window: 3 })).toBe('x 1×3×2, heads 1, causal false, window 3');
  });

  it('runGoldenCase compares real rows only, disposes what it made, and catches a wrong layer', () => {
    const before = tf.memory().numTensors;
    const [y] = runGoldenCase(() => scaleLayer(), spec, cases[0]!).comparisons;
    expect(tf.memory().numTensors).toBe(before);
    expect(y!.actual).toEqual([2, 4, 6, 8]);
    expect(() => expectGoldenComparison(y!)).not.toThrow();
    const [wrong] = runGoldenCase(() => scaleLayer(0.001), spec, cases[0]!).comparisons;
    expect(relativeError(wrong!.actual, wrong!.expected as number[])).toBeCloseTo(0.004 / 8, 6);
    expect(() => expectGoldenComparison(wrong!)).toThrow(/norm-wise relative error/);
  });

  it('runGoldenCase maps a case to weights and options through the spec, and adds its outputs', () => {
    const seen: unknown[] = [];
    const mapped: GoldenSpec = {
      ...spec,
      weights: (c) => [(c.weights![0] as number) * 1],
      options: (c) => ({ tag: c.kind }),
      outputs: (_layer, x) => [{ label: 'x', actual: tf.add(x, 0), expected: [1, -1], rtol: 0, atol: 0 }],
    };
    const { comparisons, finite } = runGoldenCase(
      (options) => (seen.push(options), scaleLayer()),
      mapped,
      cases[1]!,
    );
    expect(seen).toEqual([{ dim: 2, heads: 1, tag: 'scale' }]);
    expect(finite).toBe(true);
    expect(comparisons.map((c) => c.label)).toEqual(['y at real tokens', 'x']);
    comparisons.forEach(expectGoldenComparison);
  });

  it('runGoldenCase names missing fields', () => {
    expect(() =>
      runGoldenCase(() => scaleLayer(), spec, { kind: 'scale', heads: 1, x: [[[1]]], y: [[[1]]] }),
    ).toThrow(/has no 'weights'/);
  });

  it('the vendored loader reads all three golden files', () => {
    expect(loadVendoredGolden('attention-seed0').length).toBeGreaterThan(0);
    expect(
      selectGoldenCases(loadVendoredGolden('variants-seed0'), { file: 'variants-seed0', kind: 'linear' }),
    ).toHaveLength(6);
    expect(new Set(loadVendoredGolden('variants-2-seed0').map((c) => c.kind))).toEqual(
      new Set(['gla', 'deltanet', 'gated_deltanet', 'xca', 'selective']),
    );
  });
});

describe('goldenCaseTests with an injected loader', () => {
  goldenCaseTests(
    () => scaleLayer(),
    spec,
    () => cases,
  );
});
