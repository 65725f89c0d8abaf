import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The real thing: the built CLI in a child process, killed with SIGKILL mid-run, then resumed. (turbo builds the app
// before its tests; run `pnpm --filter @tost/benchmark build` first when running vitest by hand.)
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');
const CHECKPOINT = /^ckpt-(\d{8})\.json$/;

function checkpointSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => CHECKPOINT.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('tost-bench lra: killed mid-run, then --resume', () => {
  it('continues from the last checkpoint (losing at most --checkpoint-every steps) and finishes the run', async () => {
    expect(existsSync(CLI), `${CLI} is missing: build the app first`).toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'kill-resume-'));
    const args = [
      CLI,
      'lra',
      ...['--task', 'listops', '--attention', 'tssa', '--generate', '--preset', 'quick'],
      ...['--steps', '40', '--checkpoint-every', '5', '--backend', 'wasm'],
      ...['--data', join(root, 'data'), '--out', join(root, 'runs')],
    ];
    const runDir = join(root, 'runs', 'listops-tssa-tost-quick-seed1-steps40'); // --steps 40 overrides the preset's 400
    const ckptDir = join(runDir, 'checkpoints');

    const first = spawn(process.execPath, args, { stdio: 'ignore' });
    const firstExit = exited(first);
    const deadline = Date.now() + 90_000;
    while (Math.max(0, ...checkpointSteps(ckptDir)) < 15 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill('SIGKILL');
    expect(await firstExit).toBeNull(); // killed, not finished
    const saved = checkpointSteps(ckptDir);
    const lastSaved = Math.max(...saved);
    expect(lastSaved).toBeGreaterThanOrEqual(15);
    expect(lastSaved).toBeLessThan(40);

    const second = spawn(process.execPath, [...args, '--resume'], { stdio: 'ignore' });
    expect(await exited(second)).toBe(0);
    const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as {
      resumedFromStep?: number;
      curve: { step: number }[];
      finalTest: { accuracy: number };
    };
    // It resumed from the newest checkpoint on disk, so at most 5 steps were lost.
    expect(result.resumedFromStep).toBe(lastSaved);
    expect(result.curve.map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(result.finalTest.accuracy).toBeGreaterThanOrEqual(0);
  }, 180_000);
});
