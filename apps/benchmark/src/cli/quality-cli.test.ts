import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuiltCli } from './spawn-cli.test-helper.js';
import { configKey } from '../quality/cells.js';
import { runCli } from './run-cli.test-helper.js';

describe('tost-bench quality', () => {
  it('checks its flags before any work', async () => {
    const cases: [string[], RegExp][] = [
      [['--task', 'imdb'], /unknown --task 'imdb'; expected mqar, char-lm, spam or all/],
      [['--attention', 'tssa+flash'], /unknown attention 'flash' in 'tssa\+flash'/],
      [
        ['--attention', 'tssa+softmax+local'],
        /--attention: expected a registered attention or a hybrid a\+b \(two registered names: .*\), got 'tssa\+softmax\+local'/,
      ],
      [['--pairs', '200'], /--pairs must be an integer from 1 to 127/],
      [['--short-conv', '1'], /--short-conv must be 0 \(none\) or a width ≥ 2, got 1/],
      [['--task', 'spam', '--eval-data', 'x.jsonl'], /--eval-data scores MQAR models: add --task mqar/],
      // --report-only reports every finished run: a training setting beside it would be silently ignored.
      [
        ['--report-only', '--steps', '10', '--lr', '1e-3', '--short-conv', '3'],
        /--report-only trains nothing .*: --short-conv, --steps, --lr would be ignored \(drop them\)$/,
      ],
      [['--report-only', '--task', 'spam'], /: --task would be ignored \(drop it\)$/],
      [['--report-only', '--import', ','], /--import: expected a report file \(quality\.json\), got ','/],
    ];
    // Held-out examples that fit none of the runs are refused before any backend or training work.
    const dir = mkdtempSync(join(tmpdir(), 'quality-flags-'));
    const four = join(dir, 'four.jsonl');
    writeFileSync(four, '{"ids":[1,2,3,4],"labels":[-100,-100,5,-100]}\n');
    const six = join(dir, 'six.jsonl');
    writeFileSync(six, '{"ids":[5,130,9,200,9,5],"labels":[-100,-100,-100,-100,200,130]}\n');
    cases.push(
      [
        ['--eval-data', four],
        /examples of 4 tokens, but an MQAR example of N pairs has 3·N \(2N key–value tokens, then N queries\) and the MQAR runs have N = 8, 32, 64$/,
      ],
      [
        ['--eval-data', six, '--pairs', '8'],
        /examples of 6 tokens, .* the MQAR runs have N = 8: add --pairs 2$/,
      ],
    );
    for (const [args, message] of cases) {
      const { error } = await runCli(['quality', ...args]);
      expect(error?.message).toMatch(message);
    }
  });

  it('--import may be repeated: the runs of every report join --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quality-import-'));
    const setting = {
      task: 'spam',
      shortConv: 0,
      length: 64,
      steps: 2,
      batchSize: 4,
      dim: 64,
      depth: 2,
      heads: 4,
      mlpRatio: 2,
    } as const;
    const report = (variant: string) => {
      const file = join(dir, `${variant}.json`);
      const cell = {
        format: 'tost-quality-cell-1',
        configKey: configKey(setting, variant, 1, 1e-3),
        dir: 'elsewhere',
        task: 'spam',
        setting,
        settingKey: 'noconv-len64-steps2-batch4',
        variant,
        ran: variant,
        seed: 1,
        learningRate: 1e-3,
        metric: 'accuracy',
        test: 0.9,
        validation: 0.9,
        baseline: { name: 'majority class (ham)', value: 0.7 },
        stepSeconds: 0.1,
      };
      writeFileSync(file, JSON.stringify({ format: 'tost-quality-2', summary: [], cells: [cell] }));
      return file;
    };
    const out = join(dir, 'out');
    const { error } = await runCli([
      'quality',
      '--report-only',
      '--import',
      report('tssa'),
      '--import',
      report('softmax'),
      '--out',
      out,
    ]);
    expect(error).toBeUndefined();
    const json = JSON.parse(readFileSync(join(out, 'quality.json'), 'utf8')) as {
      summary: { variant: string }[];
    };
    expect(json.summary.map((r) => r.variant).sort()).toEqual(['softmax', 'tssa']);
  });

  it(
    'trains tiny MQAR cells, scores --eval-data, writes JSON and markdown, and resumes finished cells',
    { timeout: 300_000 },
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'quality-'));
      // Two held-out examples with N = 2 pairs (written by hand): 6 tokens, labels at the 2 query positions.
      const evalFile = join(out, 'held-out.jsonl');
      writeFileSync(
        evalFile,
        '{"ids":[5,130,9,200,9,5],"labels":[-100,-100,-100,-100,200,130]}\n' +
          '{"ids":[7,140,3,141,7,3],"labels":[-100,-100,-100,-100,140,141]}\n',
      );
      const args = [
        'quality',
        '--task',
        'mqar',
        '--pairs',
        '2',
        '--short-conv',
        '3',
        '--attention',
        'softmax,tssa+softmax',
        '--seeds',
        '1',
        '--steps',
        '3',
        '--lr',
        '1e-3',
        '--batch',
        '4',
        '--eval-data',
        evalFile,
        '--out',
        out,
        '--backend',
        'cpu',
      ];
      const first = await runBuiltCli(args);
      expect(first.stderr).not.toMatch(/tost-bench:/);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        new RegExp(
          `eval-data ${evalFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: softmax \\(N = 2, short conv 3\\) accuracy \\d+\\.\\d % on 2 examples`,
        ),
      );
      expect(first.stdout).toMatch(/tssa\+softmax \(N = 2, short conv 3\) accuracy/);
      const json = JSON.parse(readFileSync(join(out, 'quality.json'), 'utf8')) as {
        summary: { variant: string; baseline: { value: number } }[];
      };
      expect(json.summary.map((r) => r.variant)).toEqual(['softmax', 'tssa+softmax']);
      expect(json.summary[0]!.baseline.value).toBeCloseTo(1 / 128, 6);
      expect(readFileSync(join(out, 'quality.md'), 'utf8')).toMatch(/\| softmax +\| N = 2, short conv 3 \|/);
      // The held-out scores are kept with the results, not only printed: one entry per examples file.
      const held = (
        JSON.parse(readFileSync(join(out, 'quality.json'), 'utf8')) as {
          evalData: { file: string; examples: number; results: { variant: string; seeds: number }[] }[];
        }
      ).evalData;
      expect(held).toHaveLength(1);
      const evalData = held[0];
      expect(evalData?.file).toBe(evalFile);
      expect(evalData?.examples).toBe(2);
      expect(evalData?.results.map((r) => [r.variant, r.seeds])).toEqual([
        ['softmax', 1],
        ['tssa+softmax', 1],
      ]);
      expect(readFileSync(join(out, 'quality.md'), 'utf8')).toMatch(
        /## MQAR on held-out examples[\s\S]*\| tssa\+softmax +\| N = 2, short conv 3 \| \d+\.\d % +\| 1 /,
      );
      expect(
        existsSync(
          join(
            out,
            'cells',
            'mqar',
            'N2-conv3-steps3-batch4',
            'softmax',
            'seed1-lr1e-3',
            'model',
            'model.json',
          ),
        ),
      ).toBe(true);
      // The held-out score is cached beside the model, so a resumed run does not score it again.
      const cell = join(out, 'cells', 'mqar', 'N2-conv3-steps3-batch4', 'softmax', 'seed1-lr1e-3');
      expect(Object.values(JSON.parse(readFileSync(join(cell, 'eval-data.json'), 'utf8')))).toEqual([
        { file: evalFile, examples: 2, accuracy: expect.any(Number) },
      ]);
      const again = await runBuiltCli(args);
      expect(again.code).toBe(0);
      expect(again.stdout.match(/done earlier/g)?.length).toBe(2);
      const bad = await runBuiltCli([
        ...args.slice(0, -6),
        '--eval-data',
        join(out, 'missing.jsonl'),
        '--out',
        out,
      ]);
      expect(bad.code).not.toBe(0);
      expect(
        bad.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('tost-bench:')),
      ).toEqual([expect.stringMatching(/^tost-bench: --eval-data: cannot read .*missing.jsonl \(ENOENT\)$/)]);
    },
  );
});
