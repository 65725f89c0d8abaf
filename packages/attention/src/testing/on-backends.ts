import { describe, beforeAll } from 'vitest';
import { initBackend } from '@tost/backend';
import { testBackends } from '@tost/vitest-config';

/**
 * Declares `body` once per test backend (`TOST_TEST_BACKENDS`, default wasm and cpu, or `backends`), in a suite
 * named `${title} on ${backend}` whose tests run with that backend initialised.
 */
export function describeOnBackends(
  title: string,
  body: (backend: string) => void,
  backends: readonly string[] = testBackends(),
): void {
  for (const backend of backends) {
    describe(`${title} on ${backend}`, () => {
      beforeAll(async () => {
        await initBackend(backend);
      });
      body(backend);
    });
  }
}
