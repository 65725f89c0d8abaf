import { describe, expect, it } from 'vitest';
import { initBackend } from '@tost/backend';
import { buildSequenceClassifier } from '@tost/models';
import { withSeededRandom } from './seeded-init.js';

const options = { vocabSize: 8, maxLength: 6, numClasses: 2, dim: 8, depth: 1, heads: 2, attention: 'tssa' };

function initialWeights(seed: number): number[] {
  const model = withSeededRandom(seed, () => buildSequenceClassifier(options));
  const values = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  return values;
}

describe('withSeededRandom', () => {
  it('the same seed builds the same initial weights, another seed other ones; Math.random is restored', async () => {
    await initBackend('wasm');
    const original = Math.random;
    const a = initialWeights(3);
    expect(initialWeights(3)).toEqual(a);
    expect(initialWeights(4)).not.toEqual(a);
    expect(Math.random).toBe(original);
    expect(() =>
      withSeededRandom(1, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Math.random).toBe(original);
  });
});
