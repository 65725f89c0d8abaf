import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built CLI in a child process (its worker threads load dist/lra/replica-imports.js): turbo builds the app before
// its tests; run `pnpm --filter @tost/benchmark build` first when running vitest by hand.
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

interface Result {
  workers: number;
  curve: { step: number; loss: number; accuracy: number; gradNorm: number }[];
  finalTest: { accuracy: number; loss: number };
}

function run(root: string, workers: number): Result {
  const out = join(root, `runs-${workers}`);
  const child = spawnSync(
    process.execPath,
    [
      CLI,
      'lra',
      ...['--task', 'listops', '--attention', 'tssa', '--generate', '--preset', 'quick', '--steps', '6'],
      ...['--backend', 'wasm', '--workers', String(workers), '--data', join(root, 'data'), '--out', out],
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  expect(child.status, child.stderr).toBe(0);
  expect(child.stdout).toContain(
    workers > 1 ? `${workers} data-parallel replicas (worker threads)` : '1 data-parallel replica',
  );
  const runs = readdirSync(out).filter((d) => d.startsWith('listops-tssa-'));
  expect(runs).toHaveLength(1);
  return JSON.parse(readFileSync(join(out, runs[0]!, 'result.json'), 'utf8')) as Result;
}

describe('tost-bench lra --workers', () => {
  it('two worker threads train the same model as one thread: same curve (float32 round-off), same accuracy', () => {
    expect(existsSync(CLI), `${CLI} is missing: build the app first`).toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'lra-workers-'));
    const one = run(root, 1);
    const two = run(root, 2);
    expect(two.workers).toBe(2);
    expect(two.curve).toHaveLength(6);
    two.curve.forEach((p, i) => {
      const q = one.curve[i]!;
      expect(Math.abs(p.loss - q.loss), `step ${p.step}`).toBeLessThan(1e-5 * (1 + q.loss));
      expect(Math.abs(p.gradNorm - q.gradNorm), `step ${p.step}`).toBeLessThan(1e-4 * (1 + q.gradNorm));
      expect(p.accuracy).toBe(q.accuracy);
    });
    expect(two.finalTest.accuracy).toBe(one.finalTest.accuracy);
  }, 600_000);
});
