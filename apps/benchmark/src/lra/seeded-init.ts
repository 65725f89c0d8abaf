import { Prng } from '@tost/lra';

/**
 * Runs `fn` with `Math.random` replaced by a generator seeded with `seed`, then restores it. tfjs initialisers draw
 * their seeds from `Math.random` when none is given (tfjs-core `rand_util`), so building a model inside gives the same
 * initial weights for the same seed and architecture: runs that share a seed start from the same model.
 * Synchronous only: `fn` must not await (other code would see the seeded generator).
 */
export function withSeededRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  const prng = new Prng(seed);
  Math.random = () => prng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
