#!/usr/bin/env node
// Release hygiene for every published package (every workspace package that is not private): `publint --strict`
// (package.json exports/files/fields) and `@arethetypeswrong/cli --pack` (types resolve under every module
// resolution a consumer may use; the packages are ESM-only, so the esm-only profile). Needs built dist/ folders.
// Exits non-zero when either tool reports an error for any package.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const packages = [];
for (const group of ['packages', 'tooling', 'apps']) {
  for (const name of readdirSync(join(root, group)).sort()) {
    const dir = join(root, group, name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!pkg.private) packages.push({ name: pkg.name, dir });
  }
}

const failures = [];
for (const { name, dir } of packages) {
  for (const [tool, args] of [
    ['publint', ['--strict', '--pack', 'pnpm']],
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    console.log(`\n--- ${tool} ${name}`);
    const result = spawnSync(bin(tool), args, { cwd: dir, stdio: 'inherit' });
    if (result.status !== 0) failures.push(`${tool} ${name}`);
  }
}
console.log(
  failures.length === 0
    ? `\npublint and attw: ${packages.length} packages clean`
    : `\npublint/attw failed for: ${failures.join(', ')}`,
);
process.exit(failures.length === 0 ? 0 : 1);
