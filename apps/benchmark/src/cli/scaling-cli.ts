import { Option, type Command } from 'commander';
import { listAttentionNames } from '../variants.js';
import { readExplainSections } from '../report-page/explain-sections.js';
import { rerenderScalingOutputs, runScalingCommand } from '../commands/scaling.js';
import type { ScalingMode } from '../scaling/workloads.js';
import {
  addBackendOption,
  asAttentionList,
  asNonNegativeInt,
  asPositiveInt,
  asPositiveIntList,
  asPositiveNumber,
  commaList,
  listOption,
  selectBackend,
} from './options.js';

export const DEFAULT_SCALING_LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
export const DEFAULT_DECODE_POSITIONS = [64, 256, 1024, 4096];

interface ScalingFlags {
  attention: string[];
  lengths: number[];
  dim: number;
  heads: number;
  batch: number;
  mode: ScalingMode;
  backend?: string;
  repeats: number;
  warmup: number;
  timeLimit: number;
  memoryLimit: number;
  budget?: number;
  decodePositions: number[] | 'none';
  lra: string;
  explain?: string;
  out: string;
  rerender?: boolean;
}

/** `tost-bench scaling`: time and peak memory vs sequence length per attention variant (see src/scaling/). */
export function registerScalingCommand(program: Command): Command {
  const command = program
    .command('scaling')
    .summary('time and peak memory vs sequence length, log-log slopes, charts and report.html')
    .description(
      "Measures the train step (or forward) time and peak tensor memory of every variant across lengths, TSSA's " +
        'projections alone, causal-TSSA streaming vs re-running the prefix; fits log-log slopes, checks the targets ' +
        'and writes JSON, markdown, SVG/PNG charts and a self-contained report.html to --out.',
    )
    .addOption(
      listOption(
        '--attention <names>',
        'comma-separated registered attentions (default: every registered one; see tost-bench --help)',
        asAttentionList,
        listAttentionNames(),
      ),
    )
    .addOption(
      listOption(
        '--lengths <list>',
        'comma-separated sequence lengths',
        asPositiveIntList('lengths'),
        DEFAULT_SCALING_LENGTHS,
      ),
    )
    .addOption(new Option('--mode <mode>', 'what is timed').choices(['train', 'forward']).default('train'))
    .option('--dim <n>', 'model width', asPositiveInt('dim'), 256)
    .option('--heads <n>', 'attention heads (must divide --dim)', asPositiveInt('heads'), 4)
    .option('--batch <n>', 'batch size', asPositiveInt('batch'), 1)
    .option('--repeats <n>', 'timed repeats per point', asPositiveInt('repeats'), 5)
    .option('--warmup <n>', 'untimed warm-up runs per point', asNonNegativeInt('warmup'), 1)
    .option(
      '--time-limit <s>',
      "a single run longer than this (seconds) ends the variant's sweep; predicted > 2× are not run",
      asPositiveNumber('time-limit'),
      60,
    )
    .option(
      '--memory-limit <MiB>',
      'lengths whose extrapolated peak tensor memory exceeds this are not run',
      asPositiveNumber('memory-limit'),
      3072,
    )
    .option(
      '--budget <s>',
      'stop repeating a length once its timed runs used this many seconds (after 3 runs; default: none)',
      asPositiveNumber('budget'),
    )
    .addOption(
      new Option('--decode-positions <list>', "positions of the causal decoding comparison, or 'none'")
        .argParser((v: string) =>
          v === 'none' ? ('none' as const) : asPositiveIntList('decode-positions')(v),
        )
        .default(DEFAULT_DECODE_POSITIONS, DEFAULT_DECODE_POSITIONS.join(',')),
    )
    .option('--lra <dir>', 'LRA runs shown on the report page', 'runs')
    .option('--explain <dirs>', 'comma-separated explain output folders added to the report page')
    .option('--out <dir>', 'output directory', 'bench-results/scaling')
    .option('--rerender', 'rewrite the charts and pages from the saved results without measuring');
  addBackendOption(command);
  return command.action(runScalingCli);
}

async function runScalingCli(values: ScalingFlags): Promise<void> {
  const explainDirs = commaList(values.explain);
  const extraSections = explainDirs ? readExplainSections(explainDirs) : undefined;
  if (values.rerender) {
    await rerenderScalingOutputs(values.out, values.lra, extraSections);
    return;
  }
  if (values.dim % values.heads !== 0)
    throw new Error(`--dim (${values.dim}) must be divisible by --heads (${values.heads})`);
  await selectBackend(values.backend);
  await runScalingCommand({
    mode: values.mode,
    attentions: values.attention,
    lengths: values.lengths,
    dim: values.dim,
    heads: values.heads,
    batch: values.batch,
    warmup: values.warmup,
    repeats: values.repeats,
    timeLimitSeconds: values.timeLimit,
    memoryLimitBytes: values.memoryLimit * 2 ** 20,
    decodePositions: values.decodePositions === 'none' ? [] : values.decodePositions,
    ...(values.budget !== undefined ? { budgetSeconds: values.budget } : {}),
    outDir: values.out,
    lraDir: values.lra,
    ...(extraSections ? { extraSections } : {}),
  });
}
