import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { generateListOps, writeListOpsTsv } from '@tost/lra/node';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (turbo builds the app before its tests; run `pnpm --filter @tost/benchmark build` by hand first). */
export const BUILT_CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/** Runs `node dist/cli.js ARGS` in a child process (in `cwd`, default this one); resolves with its exit code and output. */
export function runBuiltCli(
  args: string[],
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A small ListOps set in the released layout (basic_{train,val,test}.tsv) — fast to load, so CLI tests can train a
 * few steps without generating the 4,000-example quick set.
 */
export function writeTinyListOps(dir: string, seed = 1): string {
  mkdirSync(dir, { recursive: true });
  const data = generateListOps({
    counts: { train: 48, val: 12, test: 12 },
    minLength: 8,
    maxLength: 60,
    seed,
  });
  writeListOpsTsv(join(dir, 'basic_train.tsv'), data.train);
  writeListOpsTsv(join(dir, 'basic_val.tsv'), data.val);
  writeListOpsTsv(join(dir, 'basic_test.tsv'), data.test);
  return dir;
}
