import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ZipArchive } from '@tost/convert';
import { errorLine, namingFile, readJsonFile } from './cli-errors.js';
import { runCli } from './run-cli.test-helper.js';
import {
  BUILT_CLI,
  CONVERT_FIXTURES as FIXTURES,
  runBuiltCli,
  writeTinyListOps,
} from './spawn-cli.test-helper.js';

const work = mkdtempSync(join(tmpdir(), 'tost-user-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The whole of stderr is one line `tost-bench: …` naming `file`, the exit code is 1, and no stack trace. */
function expectOneLine(r: { code: number | null; stderr: string }, file: string, problem: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]!.startsWith('tost-bench: '), lines[0]).toBe(true);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(problem);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** A copy of the nanoGPT fixture with one byte of its pickle flipped (the archive's CRC-32 no longer matches). */
function flippedPickle(): string {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'nanogpt-train.pth')));
  const archive = new ZipArchive(bytes, 'fixture');
  const pkl = archive.entries.get('nanogpt-train/data.pkl')!;
  const view = new DataView(bytes.buffer);
  const start =
    pkl.localHeaderOffset +
    30 +
    view.getUint16(pkl.localHeaderOffset + 26, true) +
    view.getUint16(pkl.localHeaderOffset + 28, true);
  bytes[start + 200] ^= 0x01;
  const file = join(work, 'flipped.pth');
  writeFileSync(file, bytes);
  return file;
}

describe('the error line of tost-bench', () => {
  it('joins a multi-line message into one line and keeps the message otherwise', () => {
    expect(
      errorLine(new Error('does not match crate:\n  missing keys (1): a\n  unexpected keys (1): b')),
    ).toBe('tost-bench: does not match crate:; missing keys (1): a; unexpected keys (1): b');
    expect(errorLine('plain')).toBe('tost-bench: plain');
    expect(errorLine(new RangeError(''))).toBe('tost-bench: RangeError');
  });

  it('names the file in errors that do not, and says a missing file in words', () => {
    expect(() =>
      namingFile('x.tsv', () => {
        throw new Error('bad row');
      }),
    ).toThrow(/^x\.tsv: bad row$/);
    expect(() =>
      namingFile('x.tsv', () => {
        throw new Error('x.tsv:3: bad row');
      }),
    ).toThrow(/^x\.tsv:3: bad row$/);
    expect(() => readJsonFile(join(work, 'missing.json'))).toThrow(
      /missing\.json: no such file or directory$/,
    );
    writeFileSync(join(work, 'bom.json'), '\uFEFF{"a": 1}');
    expect(readJsonFile(join(work, 'bom.json'))).toEqual({ a: 1 });
    writeFileSync(join(work, 'broken.json'), '{"a": ');
    expect(() => readJsonFile(join(work, 'broken.json'))).toThrow(/broken\.json: not valid JSON \(/);
  });
});

/** `tost-bench ARGS` in-process: the line the top-level handler would print for the command's error. */
async function inProcess(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const { error } = await runCli(args);
  return error ? { code: 1, stderr: `${errorLine(error)}\n` } : { code: 0, stderr: '' };
}

describe('tost-bench with a damaged or wrong file: one line on stderr, exit code 1, no stack trace', () => {
  it('convert --from (built CLI): a flipped pickle byte', async () => {
    const flipped = flippedPickle();
    const r = await runBuiltCli([
      'convert',
      '--from',
      flipped,
      '--out',
      join(work, 'out'),
      '--backend',
      'wasm',
    ]);
    expectOneLine(r, flipped, /entry 'nanogpt-train\/data\.pkl': bad CRC-32/);
  });

  it('convert --from (in-process): a text file, a missing file, a --heads the file contradicts, a broken config.json', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const text = join(work, 'notes.pth');
    writeFileSync(text, 'this is not a checkpoint\n');
    const nanogpt = join(FIXTURES, 'nanogpt-train.pth');
    const out = join(work, 'out');
    const convert = (from: string, ...more: string[]) =>
      inProcess(['convert', '--from', from, '--out', out, '--backend', 'wasm', ...more]);
    expectOneLine(await convert(text), text, /a text file .* not a checkpoint/);
    expectOneLine(
      await convert(join(work, 'gone.pth')),
      join(work, 'gone.pth'),
      /: no such file or directory$/,
    );
    expectOneLine(
      await convert(nanogpt, '--heads', '4'),
      nanogpt,
      /option 'heads' \(--heads\) is 4, but the checkpoint's model_args\.n_head is 2/,
    );
    const dir = join(work, 'hf');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(FIXTURES, 'nanogpt-hf', 'model.safetensors'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'config.json'), '{"n_head": 2,');
    expectOneLine(
      await convert(join(dir, 'model.safetensors')),
      join(dir, 'config.json'),
      /not a readable JSON file/,
    );
    log.mockRestore();
  });

  it('lra --data: a truncated ListOps file; explain --run: a broken result.json (built CLI)', async () => {
    const data = writeTinyListOps(join(work, 'listops'));
    const train = join(data, 'basic_train.tsv');
    const bytes = readFileSync(train);
    // cut inside a row's expression, a little before its tab
    writeFileSync(train, bytes.subarray(0, bytes.indexOf(0x09, Math.floor(bytes.length * 0.3)) - 3));
    const run = join(work, 'run');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'result.json'), '{"format": "tost-lra-run-1", "spec": ');
    const [lra, explain] = await Promise.all([
      runBuiltCli([
        'lra',
        '--task',
        'listops',
        '--data',
        data,
        '--steps',
        '1',
        '--backend',
        'wasm',
        '--out',
        join(work, 'lra-out'),
      ]),
      runBuiltCli(['explain', '--run', run, '--backend', 'wasm']),
    ]);
    expectOneLine(lra, train, /:\d+: (expected 2 tab-separated columns|malformed ListOps expression)/);
    expectOneLine(explain, join(run, 'result.json'), /not valid JSON/);
  });

  it('an exception outside the command promise (a callback) is one line too', async () => {
    const script = `import('${join(dirname(BUILT_CLI), 'cli', 'cli-errors.js')}').then(({ handleErrorsAtTopLevel }) => {
      handleErrorsAtTopLevel(new Promise(() => {}));
      setTimeout(() => { throw new TypeError('late\\nfailure'); }, 10);
    });`;
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expectOneLine(r, 'late', /^tost-bench: late; failure$/);
  });
});
