/**
 * The backends a numerics test runs on: `TOST_TEST_BACKENDS=wasm,cpu` (the default) or a subset.
 */
export function testBackends(): string[] {
  const raw = process.env.TOST_TEST_BACKENDS ?? 'wasm,cpu';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
