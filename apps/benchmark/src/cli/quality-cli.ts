import type { Command } from 'commander';
import { runQuality } from '../quality/command.js';
import { checkPairs, DEFAULT_MQAR_PAIRS, MQAR_VOCAB } from '../quality/mqar.js';
import { assertEvalDataFitsRuns, readEvalData } from '../quality/eval-data.js';
import { QUALITY_TASKS, type QualityTask } from '../quality/tasks.js';
import {
  asNonNegativeInt,
  asPositiveInt,
  asPositiveIntList,
  asPositiveNumber,
  asVariantList,
  commaList,
  listOption,
} from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';

interface QualityFlags {
  task: string;
  attention: string[];
  seeds: number;
  out: string;
  pairs?: number[];
  shortConv?: number;
  evalData?: string;
  steps?: number;
  lr?: number;
  batch?: number;
  length?: number;
  reportOnly?: boolean;
  import?: string[];
  backend?: string;
}

function checkTasks(value: string): QualityTask[] {
  if (value === 'all') return [...QUALITY_TASKS];
  const names = commaList(value) ?? [];
  for (const n of names)
    if (!(QUALITY_TASKS as readonly string[]).includes(n))
      throw new Error(`unknown --task '${n}'; expected ${QUALITY_TASKS.join(', ')} or all`);
  if (names.length === 0) throw new Error(`--task needs one of ${QUALITY_TASKS.join(', ')} or all`);
  return names as QualityTask[];
}

/** `tost-bench quality`: associative recall, character-level Moby Dick and SpamAssassin e-mails. */
export function registerQualityCommand(program: Command): Command {
  const command = program
    .command('quality')
    .summary(
      'what each attention can do: associative recall (MQAR), real text (char-lm), real e-mails (spam)',
    )
    .description(
      'Trains each --attention on each --task with the same model, data, steps and seeds: mqar (multi-query ' +
        'associative recall, N pairs, with and without a short convolution), char-lm (bits per character on Moby Dick, ' +
        'causal variants) and spam (SpamAssassin bodies). Seed 1 runs every learning rate of the grid (1e-3, 3e-3) and ' +
        'the best on validation data is used for the other seeds. Finished runs are kept in OUT and skipped when run ' +
        'again; the run in progress writes a checkpoint every minute, and a killed command run again continues it. ' +
        'Hybrids: a+b (every block a except the last, b), e.g. tssa+softmax.',
    )
    .option('--task <names>', `comma-separated: ${QUALITY_TASKS.join(', ')}, or all`, 'mqar')
    .addOption(
      listOption(
        '--attention <names>',
        'comma-separated registered attentions or hybrids a+b',
        asVariantList(),
        ['tssa', 'softmax'],
      ),
    )
    .option('--seeds <n>', 'seeds per variant (1 … n)', asPositiveInt('seeds'), 3)
    .option('--out <dir>', 'where results are written (and resumed from)', 'runs/quality')
    .option(
      '--pairs <list>',
      'MQAR key–value pairs N, comma-separated (default 8,32,64)',
      asPositiveIntList('pairs'),
    )
    .option(
      '--short-conv <k>',
      'only this short-convolution width (0 = none); default: without and with the task width (MQAR 3, char-lm 4)',
      asNonNegativeInt('short-conv'),
    )
    .option(
      '--eval-data <file>',
      'MQAR held-out examples, JSON lines {"ids": [...], "labels": [...]} (−100 = unlabelled)',
    )
    .option(
      '--steps <n>',
      "training steps (default: the task's: MQAR 1500, char-lm 2000, spam 600)",
      asPositiveInt('steps'),
    )
    .option('--lr <rate>', 'one learning rate instead of the grid 1e-3, 3e-3', asPositiveNumber('lr'))
    .option(
      '--batch <n>',
      "batch size (default: the task's: MQAR 64, char-lm 16, spam 32)",
      asPositiveInt('batch'),
    )
    .option(
      '--length <n>',
      'char-lm context (default 256) / spam bytes per message (default 2048)',
      asPositiveInt('length'),
    )
    .option(
      '--report-only',
      'train nothing: write OUT/quality.json and OUT/quality.md from every run already finished in --out ' +
        '(whichever tasks, settings and variants earlier commands ran)',
    )
    .option(
      '--import <files>',
      'comma-separated earlier reports (an OUT/quality.json, e.g. docs/results/compare/quality/quality.json) whose ' +
        'runs join --out first, without their models: new runs extend them and --report-only lists both ' +
        '(may be repeated)',
      (value: string, previous: string[] | undefined) => {
        const files = commaList(value) ?? [];
        if (files.length === 0)
          throw new Error(`--import: expected a report file (quality.json), got '${value}'`);
        return [...(previous ?? []), ...files];
      },
    );
  addBackendOption(command);
  return command.action(async (flags: QualityFlags) => {
    const tasks = checkTasks(flags.task);
    flags.pairs?.forEach(checkPairs);
    if (flags.shortConv === 1) throw new Error('--short-conv must be 0 (none) or a width ≥ 2, got 1');
    if (flags.reportOnly && flags.evalData)
      throw new Error(
        '--report-only lists the held-out scores cached by earlier runs; --eval-data scores models, which needs a run ' +
          '(drop one of the two)',
      );
    if (flags.reportOnly) {
      // The report covers every finished run in --out: a training setting given with it would be silently ignored.
      const ignored = [
        'task',
        'attention',
        'seeds',
        'pairs',
        'shortConv',
        'steps',
        'lr',
        'batch',
        'length',
        'backend',
      ]
        .filter((name) => command.getOptionValueSource(name) === 'cli')
        .map((name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      if (ignored.length > 0)
        throw new Error(
          `--report-only trains nothing and reports every finished run in --out, whatever its settings: ` +
            `${ignored.join(', ')} would be ignored (drop ${ignored.length === 1 ? 'it' : 'them'})`,
        );
      await runQuality({
        tasks,
        variants: flags.attention,
        seeds: flags.seeds,
        outDir: flags.out,
        backend: 'none',
        reportOnly: true,
        ...(flags.import ? { importFrom: flags.import } : {}),
      });
      return;
    }
    if (flags.evalData && !tasks.includes('mqar'))
      throw new Error('--eval-data scores MQAR models: add --task mqar');
    // A bad held-out file fails before any backend or training work (read once, here).
    const held = flags.evalData ? readEvalData(flags.evalData, MQAR_VOCAB) : undefined;
    if (held) assertEvalDataFitsRuns(held, flags.pairs ?? DEFAULT_MQAR_PAIRS);
    const backend = await selectBackend(flags.backend);
    await runQuality({
      tasks,
      variants: flags.attention,
      seeds: flags.seeds,
      outDir: flags.out,
      backend,
      ...(flags.pairs ? { pairs: flags.pairs } : {}),
      ...(flags.shortConv !== undefined ? { shortConv: flags.shortConv } : {}),
      ...(held ? { evalData: held } : {}),
      ...(flags.steps ? { steps: flags.steps } : {}),
      ...(flags.lr ? { learningRate: flags.lr } : {}),
      ...(flags.batch ? { batchSize: flags.batch } : {}),
      ...(flags.length ? { length: flags.length } : {}),
      ...(flags.import ? { importFrom: flags.import } : {}),
    });
  });
}
