import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.test-helper.js';

const work = mkdtempSync(join(tmpdir(), 'tost-hybrid-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `tost-bench ARGS` in-process with console.log captured; rejects with the command's error. */
async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const { error, stderr } = await runCli(args);
    if (error) throw new Error(`${error.message}\n${stderr}`);
    return lines.join('\n');
  } finally {
    log.mockRestore();
  }
}

const TINY = ['--lengths', '8,16', '--dim', '8', '--heads', '2', '--backend', 'cpu'];

describe('compare, scaling and smoke take hybrids a+b like quick and quality', () => {
  it.each([
    [
      ['compare', '--attention', 'tssa,tssa+'],
      "--attention: expected a registered attention or a hybrid a+b (two registered names: every block a except the last, b), got 'tssa+'",
    ],
    [
      ['compare', '--hybrids', 'tssa+flash'],
      "--hybrids: unknown attention 'flash' in 'tssa+flash'; registered: ",
    ],
    [
      ['scaling', '--attention', 'tssa+softmax+local'],
      "--attention: expected a registered attention or a hybrid a+b (two registered names: every block a except the last, b), got 'tssa+softmax+local'",
    ],
    [
      ['smoke', '--attention', ','],
      "--attention: expected a comma-separated list of registered attentions or hybrids a+b, got ','",
    ],
    [['quick', '--attention', 'flash+tssa'], "--attention: unknown attention 'flash' in 'flash+tssa'"],
  ])('%j is refused naming the option, what it expected and what it got', async (args, message) => {
    const { error, stderr } = await runCli(args);
    expect(error, args.join(' ')).toBeDefined();
    expect(stderr).toContain(
      `option '${args[1]} <${args[1] === '--hybrids' ? 'list' : 'names'}>' argument '${args[2]}' is invalid. ${message}`,
    );
  });

  it.each(['compare', 'scaling', 'smoke'])('%s --help says what a hybrid row measures', async (command) => {
    const { stdout } = await runCli([command, '--help']);
    const flat = stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('registered attentions or hybrids a+b');
    expect(flat).toContain(
      'A hybrid a+b (every block a except the last, b) is timed as the attention of the two-block hybrid model: one a layer, then one b layer, applied in sequence',
    );
    expect(flat).toContain("divided by 2: the mean over its blocks' layers");
  });

  it('smoke: a hybrid row per length, quadratic when a part is, per layer', async () => {
    const out = await run(['smoke', '--attention', 'tssa+softmax,tssa', ...TINY]);
    expect(out).toMatch(
      /tssa\+softmax @ 16 tokens: forward [\d.]+ ms, forward\+backward [\d.]+ ms \(per layer, mean over its 2 blocks\)/,
    );
    expect(out).toMatch(/\| tssa\+softmax \| quadratic +\| 8 /);
    expect(out).toMatch(/\| tssa +\| linear +\| 16 /);
  });

  it('compare: the hybrid gets a train-step row, its family and the note on what it measures', async () => {
    const out = join(work, 'compare');
    await run([
      'compare',
      '--attention',
      'tssa+softmax',
      '--tasks',
      'none',
      '--seeds',
      '1',
      '--repeats',
      '1',
      '--warmup',
      '0',
      '--out',
      out,
      ...TINY,
    ]);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as {
      rows: {
        variant: string;
        family: string;
        complexity: string;
        lengths: { length: number; status: string }[];
      }[];
    };
    expect(json.rows.map((r) => [r.variant, r.family, r.complexity])).toEqual([
      ['tssa+softmax', 'hybrid (token-statistics + softmax)', 'quadratic'],
    ]);
    expect(json.rows[0]!.lengths.map((c) => [c.length, c.status])).toEqual([
      [8, 'ok'],
      [16, 'ok'],
    ]);
    expect(readFileSync(join(out, 'compare.md'), 'utf8')).toContain("the mean over its blocks' layers");
  });
});
