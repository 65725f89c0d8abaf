import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, runBuiltCli } from './spawn-cli.test-helper.js';

function runIn(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('tost-bench explain: substituted data is announced', () => {
  it("says so (log and page) when the run's data folder is gone and other data stands in", async () => {
    expect(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: build the app first`).toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'explain-sub-'));
    const data = join(root, 'data');
    const trained = await runBuiltCli([
      ...['lra', '--task', 'listops', '--attention', 'tssa', '--generate', '--preset', 'quick'],
      ...[
        '--steps',
        '2',
        '--batch',
        '4',
        '--length',
        '64',
        '--backend',
        'wasm',
        '--data',
        data,
        '--out',
        join(root, 'runs'),
      ],
    ]);
    expect(trained.code, trained.stdout).toBe(0);
    const runDir = join(root, 'runs', 'listops-tssa-tost-quick-seed1-steps2-batch4-length64');
    rmSync(data, { recursive: true });
    const cwd = mkdtempSync(join(tmpdir(), 'explain-cwd-'));
    const out = join(root, 'explain');
    const explained = await runIn(cwd, [
      'explain',
      '--run',
      runDir,
      '--inputs',
      '2',
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(explained.code, explained.stdout).toBe(0);
    expect(explained.stdout).toMatch(
      /explain: no listops data under data: generating a small \(quick\) set .*substitute data/,
    );
    expect(explained.stdout).toMatch(
      new RegExp(
        `explain: the run's data folder ${data.replace(/[/\\\\]/g, '.')}.* is gone: these examples come from .* \\(freshly generated\\), NOT the data the model was trained and tested on`,
      ),
    );
    const page = readFileSync(join(out, 'index.html'), 'utf8');
    expect(page).toMatch(/NOT the data the model was trained and tested on/);
  }, 180_000);
});
