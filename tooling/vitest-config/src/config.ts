import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The one vitest configuration every ToST.js package uses.
 * The JSON reporter feeds `.ci/run`, which sums passed/failed over all packages.
 */
export function defineTostConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  const base = defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      // tfjs + wasm start-up and the 16k-token stress tests need more than the 5 s default.
      testTimeout: 120_000,
      // Lets the worker answer the runner between long synchronous tests (see yield-between-tests.ts).
      setupFiles: [fileURLToPath(new URL('./yield-between-tests.js', import.meta.url))],
      hookTimeout: 120_000,
      // Each file gets its own process: tfjs keeps global engine state (backend, registry, memory counters).
      pool: 'forks',
      // Two cores on CI: two workers at most.
      poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    },
  });
  return mergeConfig(base, overrides);
}
