import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.test-helper.js';
import { listAttentions } from '../variants.js';

const here = dirname(fileURLToPath(import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** Per command: flags whose help line must carry a description and, where given, its default. */
const EXPECTED: Record<string, [flag: string, text: RegExp][]> = {
  lra: [
    [
      '--task <names>',
      /comma-separated tasks: listops, text, retrieval, image, pathfinder, pathx \(required\)/,
    ],
    ['--attention <names>', /registered attentions, or hybrids a\+b .*\(default: tssa,softmax\)/],
    ['--preset <name>', /choices: "paper", "quick", default: "paper"/],
    ['--steps <n>', /training steps \(default: the preset's\)/],
    ['--seed <n>', /weight initialisation and dropout \(default: 1\)/],
    ['--out <dir>', /\(default: "runs"\)/],
    ['--resume', /last checkpoint/],
    ['--backend <name>', /TOST_BACKEND/],
  ],
  quick: [
    ['--task <names>', /pathx, spam, mqar \(default: listops,spam,mqar\)/],
    ['--attention <names>', /\(default: tssa,softmax,tssa\+softmax\)/],
    ['--preset <name>', /default: "quick"/],
    ['--out <dir>', /\(default: "runs\/quick"\)/],
  ],
  report: [['--out <dir>', /\(default: "runs"\)/]],
  scaling: [
    ['--lengths <list>', /\(default: 256,512,1024,2048,4096,8192,16384,32768,65536\)/],
    ['--mode <mode>', /choices: "train", "forward", default: "train"/],
    ['--dim <n>', /\(default: 256\)/],
    ['--decode-positions <list>', /'none' \(default: 64,256,1024,4096\)/],
    ['--rerender', /without measuring/],
  ],
  explain: [
    ['--run <dir>', /LRA run directory/],
    ['--checkpoint <dir>', /saved model directory/],
    ['--inputs <n>', /\(default: 4\)/],
    ['--eps <x>', /\(default: 0.5\)/],
    ['--task <name>', /task of the/],
  ],
  convert: [
    ['--from <path>', /the checkpoint file/],
    ['--to <format>', /choices: "tfjs", "safetensors", default: "tfjs"/],
    ['--arch <name>', /choices: "auto", "tost-vision"/],
    ['--image-size <n>', /\(default: 224\)/],
  ],
  smoke: [
    ['--lengths <list>', /\(default: 256,1024\)/],
    ['--attention <names>', /\(default: all\)/],
  ],
};

describe('tost-bench help and version', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const { stdout } = await runCli([flag]);
      expect(stdout.trim()).toBe(VERSION);
    }
  });

  it('the top-level help lists every command with a summary', async () => {
    const { stdout } = await runCli(['--help']);
    for (const name of Object.keys(EXPECTED))
      expect(stdout).toMatch(new RegExp(`\\n  ${name} \\[options\\] +\\S`));
    expect(stdout).toMatch(/-V, --version/);
  });

  it('the top-level help lists every registered attention with its kind and one-line description', async () => {
    const { stdout } = await runCli(['--help']);
    const flat = stdout.replace(/\s+/g, ' ');
    expect(flat).toMatch(/Registered attentions \(--attention\):/);
    const registered = listAttentions();
    expect(registered.length).toBeGreaterThanOrEqual(5);
    for (const d of registered) {
      expect(flat, d.name).toContain(` ${d.name} `);
      expect(flat, `${d.name} description`).toContain(d.description);
    }
  });

  for (const [command, flags] of Object.entries(EXPECTED)) {
    it(`${command} --help (and help ${command}) lists its options with descriptions and defaults`, async () => {
      const { stdout } = await runCli([command, '--help']);
      expect(stdout).toMatch(new RegExp(`^Usage: tost-bench ${command} \\[options\\]`));
      // commander wraps long lines: compare with whitespace collapsed
      const flat = stdout.replace(/\s+/g, ' ');
      for (const [flag, text] of flags) {
        const at = flat.indexOf(` ${flag} `);
        expect(at, `${command} --help lacks ${flag}`).toBeGreaterThanOrEqual(0);
        const next = flat.slice(at + flag.length + 2).search(/ --?[a-zA-Z]/);
        expect(flat.slice(at, at + flag.length + 2 + next)).toMatch(text);
      }
      if (command === 'explain') expect(flat).toMatch(/--task <name> .* \(choices: "listops", "text"/);
      const viaHelp = await runCli(['help', command]);
      expect(viaHelp.stdout).toBe(stdout);
    });
  }

  it('an unknown command is an error that points at --help', async () => {
    const { error, stderr } = await runCli(['bogus']);
    expect(error).toBeDefined();
    expect(stderr).toMatch(/unknown command 'bogus'[\s\S]*--help/);
  });

  it('bad numbers are errors naming the flag for every command', async () => {
    const cases: [string[], RegExp][] = [
      [['scaling', '--dim', '-3'], /--dim must be a positive integer, got '-3'/],
      [
        ['scaling', '--lengths', '256,abc'],
        /argument '256,abc' is invalid\. --lengths must be a comma-separated list of positive integers; not positive integers: 'abc'$/m,
      ],
      [
        ['quality', '--pairs', '0,x,8'],
        /--pairs must be a comma-separated list of positive integers; not positive integers: '0', 'x'$/m,
      ],
      [['scaling', '--lengths', ','], /--lengths must be a comma-separated list of positive integers/],
      [['scaling', '--time-limit', '0'], /--time-limit must be a positive number, got '0'/],
      [['scaling', '--warmup', '-1'], /--warmup must be a non-negative integer, got '-1'/],
      [['explain', '--run', 'x', '--inputs', '-2'], /--inputs must be a positive integer, got '-2'/],
      [['explain', '--run', 'x', '--eps', 'NaN'], /--eps must be a positive number, got 'NaN'/],
      [['smoke', '--heads', '1.5'], /--heads must be a positive integer, got '1.5'/],
      [['explain'], /pass exactly one of --run RUN_DIR or --checkpoint MODEL_DIR/],
      [['explain', '--run', 'a', '--untrained', '--compare'], /--untrained and --compare exclude each other/],
    ];
    for (const [args, message] of cases) {
      const { error, stderr } = await runCli(args);
      expect(`${error?.message ?? ''}\n${stderr}`, args.join(' ')).toMatch(message);
    }
  });
});
