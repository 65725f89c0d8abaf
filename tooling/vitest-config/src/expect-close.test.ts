import { describe, it, expect } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expectClose, maxRelativeError } from './expect-close.js';
import { expectNoLeakedTensors } from './expect-no-leaked-tensors.js';
import {
  GOLDEN_DIR,
  loadGoldenCases,
  loadGoldenFile,
  loadVariantGoldenCases,
  nestedShape,
} from './golden.js';

describe('expectClose', () => {
  it('accepts values within tolerance', () => {
    expect(() => expectClose([1, 2, 3], [1, 2, 3.000001], { rtol: 1e-5 })).not.toThrow();
  });
  it('rejects values beyond tolerance and names the worst element', () => {
    expect(() => expectClose([1, 2, 3], [1, 2.5, 3], { rtol: 1e-5, label: 'y' })).toThrow(
      /y: 1\/3 elements.*index 1/,
    );
  });
  it('rejects NaN', () => {
    expect(() => expectClose([NaN], [1])).toThrow(/differ/);
  });
  it('rejects a length mismatch', () => {
    expect(() => expectClose([1, 2], [1, 2, 3])).toThrow();
  });
  it('maxRelativeError is scaled by the largest expected magnitude', () => {
    expect(maxRelativeError([[1, 2]], [[1, 4]])).toBeCloseTo(0.5, 12);
  });
});

describe('expectNoLeakedTensors', () => {
  it('passes when everything is disposed', async () => {
    await expectNoLeakedTensors(() => tf.tidy(() => tf.add(tf.ones([2]), 1)).dispose());
  });
  it('fails when a tensor is kept', async () => {
    let kept: tf.Tensor | undefined;
    await expect(expectNoLeakedTensors(() => void (kept = tf.ones([3])))).rejects.toThrow(/leaked/);
    kept?.dispose();
  });
});

describe('golden cases', () => {
  for (const name of ['attention-seed0', 'variants-seed0', 'variants-2-seed0']) {
    it(`the vendored ${name}.json equals ../shared/golden when that is present`, () => {
      const shared = join(process.cwd(), '..', '..', '..', 'shared', 'golden', `${name}.json`);
      const vendored = join(GOLDEN_DIR, `${name}.json`);
      if (!existsSync(shared)) {
        // A clone without shared/ beside it: the vendored copy is all there is; still check it parses.
        expect(loadGoldenFile(name).length).toBeGreaterThan(0);
        return;
      }
      expect(readFileSync(vendored, 'utf8')).toBe(readFileSync(shared, 'utf8'));
    });
  }
  it('every variant kind is present, causal filter works, unknown kinds throw', () => {
    for (const kind of [
      'linear',
      'performer',
      'norm_linear',
      'lightning',
      'flowformer',
      'agent',
      'sigmoid',
      'local',
      'aaren',
    ]) {
      for (const c of loadVariantGoldenCases(kind)) {
        expect(nestedShape(c.y)).toEqual(nestedShape(c.x));
        expect(nestedShape(c.mask)).toEqual(nestedShape(c.x).slice(0, 2));
      }
    }
    expect(loadVariantGoldenCases('linear', { causal: true }).every((c) => c.causal)).toBe(true);
    expect(() => loadVariantGoldenCases('lightning', { causal: false })).toThrow(
      /no variant golden cases of kind 'lightning' \(causal false\)/,
    );
  });
  it('every kind is present with consistent shapes', () => {
    for (const kind of ['tssa', 'causal_tssa', 'softmax', 'mssa', 'ista'] as const) {
      for (const c of loadGoldenCases(kind)) {
        const x = (c.x ?? c.z) as number[][][];
        expect(nestedShape(c.y as number[][][])).toEqual(nestedShape(x));
      }
    }
  });
});
