import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, runBuiltCli, writeTinyListOps } from './spawn-cli.test-helper.js';

const BASE = ['lra', '--task', 'listops', '--attention', 'tssa', '--preset', 'quick'];
const SMALL = ['--batch', '4', '--length', '64', '--backend', 'wasm', '--checkpoint-every', '20'];

describe('tost-bench lra: concurrent runs', () => {
  it('two runs sharing --out and a run name: one trains, the other stops with a clear error; checkpoints intact', async () => {
    expect(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: build the app first`).toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'concurrent-'));
    const data = writeTinyListOps(join(root, 'data'));
    const args = [...BASE, ...SMALL, '--steps', '200', '--data', data, '--out', join(root, 'runs')];
    const [first, second] = await Promise.all([runBuiltCli(args), runBuiltCli(args)]);
    expect([first.code, second.code].sort()).toEqual([0, 1]);
    const loser = first.code === 1 ? first : second;
    expect(loser.stderr).toMatch(
      /run directory .*listops-tssa-tost-quick-seed1-steps200-batch4-length64 is in use by process \d+ on .*, started .*wait for it to finish, or pass another --out or --seed/,
    );
    const runDir = join(root, 'runs', 'listops-tssa-tost-quick-seed1-steps200-batch4-length64');
    const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as { curve: unknown[] };
    expect(result.curve).toHaveLength(200);
    expect(readdirSync(join(runDir, 'checkpoints')).filter((f) => f.endsWith('.json'))).toEqual([
      'ckpt-00000180.json',
      'ckpt-00000200.json',
    ]);
    expect(existsSync(join(runDir, '.lock'))).toBe(false);
  }, 120_000);

  it('runs that differ in --steps get their own directories and both results survive', async () => {
    const root = mkdtempSync(join(tmpdir(), 'concurrent-steps-'));
    const data = writeTinyListOps(join(root, 'data'));
    const args = (steps: number) => [
      ...BASE,
      ...SMALL,
      '--steps',
      String(steps),
      '--data',
      data,
      '--out',
      join(root, 'runs'),
    ];
    const results = await Promise.all([runBuiltCli(args(3)), runBuiltCli(args(5))]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(root, 'runs')).sort()).toEqual([
      'listops-tssa-tost-quick-seed1-steps3-batch4-length64',
      'listops-tssa-tost-quick-seed1-steps5-batch4-length64',
    ]);
  }, 120_000);

  it('two --generate runs into the same fresh --data: the set is generated atomically, both train on all of it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'concurrent-generate-'));
    const args = (out: string) => [
      ...BASE,
      ...SMALL,
      ...['--generate', '--steps', '1', '--data', join(root, 'data'), '--out', join(root, out)],
    ];
    const results = await Promise.all([runBuiltCli(args('a')), runBuiltCli(args('b'))]);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/data: train 4000, val 300, test 300 examples/);
    }
    expect(readdirSync(join(root, 'data'))).toEqual(['listops-quick']); // no temporary folders left behind
    expect(existsSync(join(root, 'data', 'listops-quick', '.complete'))).toBe(true);
  }, 180_000);

  it('a data folder left incomplete by an older version is an error that says what to do', async () => {
    const root = mkdtempSync(join(tmpdir(), 'incomplete-'));
    mkdirSync(join(root, 'data', 'listops-quick'), { recursive: true });
    writeFileSync(join(root, 'data', 'listops-quick', 'basic_train.tsv'), 'Source\tTarget\n');
    const r = await runBuiltCli([
      ...BASE,
      ...SMALL,
      ...['--generate', '--steps', '2', '--data', join(root, 'data'), '--out', join(root, 'runs')],
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /listops-quick exists but is incomplete \(no \.complete marker.*Delete it and run again/,
    );
  }, 60_000);
});
