import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { generateListOps, writeListOpsTsv } from '@tost/lra/node';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** packages/convert/fixtures: the PyTorch checkpoints written by tools/fixtures/make_convert_fixtures.py. */
export const CONVERT_FIXTURES = join(here, '..', '..', '..', '..', 'packages', 'convert', 'fixtures');

/** The built CLI (turbo builds the app before its tests; run `pnpm --filter @tost/benchmark build` by hand first). */
export const BUILT_CLI = join(here, '..', '..', 'dist', 'cli.js');

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

/** What `trainTinyListOps` ran: the CLI's exit code and output, the data folder and the run folder. */
export interface TinyListOpsRun {
  code: number | null;
  stdout: string;
  stderr: string;
  data: string;
  runDir: string;
}

/**
 * `tost-bench lra --task listops --preset quick` for `attention` on a tiny ListOps set (`writeTinyListOps`, written
 * to ROOT/data unless `data` names one): `steps` (default 2) steps of batch 4 at length 64 on wasm, seed `seed`
 * (default 1), runs in ROOT/`out` (default runs), `args` appended. Built CLI, in a child process.
 */
export async function trainTinyListOps(
  root: string,
  attention: string,
  options: { steps?: number; seed?: number; out?: string; data?: string; args?: string[] } = {},
): Promise<TinyListOpsRun> {
  const { steps = 2, seed = 1, out = 'runs' } = options;
  const data = options.data ?? writeTinyListOps(join(root, 'data'));
  const r = await runBuiltCli([
    ...['lra', '--task', 'listops', '--attention', attention, '--preset', 'quick', '--data', data],
    ...['--steps', String(steps), '--batch', '4', '--length', '64', '--seed', String(seed)],
    ...['--backend', 'wasm', '--out', join(root, out), ...(options.args ?? [])],
  ]);
  const runDir = join(root, out, `listops-${attention}-tost-quick-seed${seed}-steps${steps}-batch4-length64`);
  return { ...r, data, runDir };
}
