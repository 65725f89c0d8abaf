#!/usr/bin/env node
// `pnpm test`: runs every package's vitest suite through turbo (one package at a time: two cores; tests are never
// cached — turbo.json — while builds they depend on are), then prints the
// summed closing line "N passed, N failed" from their JSON reports.
import { spawnSync } from 'node:child_process';
import { rmSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// Stale reports from an earlier run must not be counted.
for (const group of ['tooling', 'packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir))
    rmSync(join(dir, name, 'test-results'), { recursive: true, force: true });
}
const extra = process.argv.slice(2);
const turbo = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue', ...extra],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  },
);
const summary = spawnSync(process.execPath, [join(root, 'scripts', 'test-summary.mjs')], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(turbo.status !== 0 ? turbo.status || 1 : (summary.status ?? 1));
