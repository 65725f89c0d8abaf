import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, runBuiltCli, trainTinyListOps } from './spawn-cli.test-helper.js';

describe('tost-bench quick: the tour (tiny settings)', () => {
  it(
    'trains a hybrid on spam and MQAR and prints each row beside its baseline and step time',
    { timeout: 300_000 },
    async () => {
      expect(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: build the app first`).toBe(true);
      const out = mkdtempSync(join(tmpdir(), 'tour-'));
      const r = await runBuiltCli([
        'quick',
        '--task',
        'spam,mqar',
        '--attention',
        'tssa+softmax',
        '--steps',
        '2',
        '--batch',
        '4',
        '--out',
        out,
        '--backend',
        'wasm',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const table = r.stdout.slice(r.stdout.indexOf('The tour'));
      expect(table).toMatch(
        /\| spam \(256 bytes\) +\| tssa\+softmax \| \d+\.\d % +\| \d+\.\d % \(majority class \(ham\)\) +\| \d+ +\|/,
      );
      expect(table).toMatch(
        /\| MQAR N = 8, short conv 3 \| tssa\+softmax \| \d+\.\d % +\| 0\.8 % \(chance \(1\/128\)\) +\| \d+ +\|/,
      );
    },
  );

  it('lra trains a hybrid a+b (one block each) on ListOps', { timeout: 300_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'hybrid-lra-'));
    const r = await trainTinyListOps(root, 'tssa+softmax', { args: ['--workers', '1'] });
    expect(r.code, r.stderr).toBe(0);
    const dir = r.runDir;
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as {
      model: { options: { attention: unknown } };
    };
    expect(result.model.options.attention).toEqual({ default: 'tssa', layers: { 1: 'softmax' } });
    const model = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8')) as {
      modelTopology: unknown;
    };
    const text = JSON.stringify(model.modelTopology);
    expect(text).toMatch(/"name":"block0_attn"/);
    expect(text).toMatch(/"name":"block1_attn"/);
  });
});
