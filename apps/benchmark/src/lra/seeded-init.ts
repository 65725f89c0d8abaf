import { Prng } from '@tost/lra';

/**
 * Runs `build` with `Math.random` replaced by a Prng seeded with `seed`, so the model's random initial weights are
 * the same for the same seed (tfjs draws a random op's seed from Math.random when none is given). Restores
 * Math.random afterwards, also when `build` throws. Synchronous builds only.
 */
export function withSeededInit<T>(seed: number, build: () => T): T {
  const original = Math.random;
  const prng = new Prng(seed);
  Math.random = () => prng.nextUint32() / 0x100000000;
  try {
    return build();
  } finally {
    Math.random = original;
  }
}
