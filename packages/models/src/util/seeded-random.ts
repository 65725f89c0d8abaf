/** mulberry32: a small, fast, seedable 32-bit generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Makes tfjs's unseeded random ops reproducible until the returned function is called: every tfjs random op without an
 * explicit seed (weight initialisers, `tf.dropout`, `tf.randomUniform`, ...) draws its seed from `Math.random`
 * (tfjs-core `rand_util`), so replacing `Math.random` by a seeded stream makes a whole model build, or a whole training
 * run, repeat bit for bit on the same backend. Call the returned function to restore the original `Math.random`.
 *
 * Global while active: use it around synchronous work (see `withSeededRandom`) or in a process that runs one job.
 *
 * @throws RangeError if `seed` is not a non-negative integer.
 */
export function seedMathRandom(seed: number, owner = 'seedMathRandom'): () => void {
  if (!Number.isInteger(seed) || seed < 0) {
    throw new RangeError(`${owner}: option 'seed' must be a non-negative integer, got ${String(seed)}`);
  }
  const original = Math.random;
  Math.random = seededRandom(seed);
  return () => {
    Math.random = original;
  };
}

/** Runs `fn` with `Math.random` seeded (see `seedMathRandom`); `seed` undefined runs it unseeded. */
export function withSeededRandom<T>(seed: number | undefined, fn: () => T, owner?: string): T {
  if (seed === undefined) return fn();
  const restore = seedMathRandom(seed, owner);
  try {
    return fn();
  } finally {
    restore();
  }
}
