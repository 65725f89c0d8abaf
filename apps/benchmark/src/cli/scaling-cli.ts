import { Option, type Command } from 'commander';
import { HYBRID_SPEED_ROW } from '../variant-names.js';
import { readExplainSections } from '../render/explain-sections.js';
import { rerenderScalingOutputs, runScalingCommand } from '../scaling/command.js';
import type { ScalingMode } from '../scaling/workloads.js';
import { asPositiveIntList, asPositiveNumber, commaList, everyAttentionOption } from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';
import { addSweepOptions, sweepSettings, type SweepFlags } from './sweep-options.js';

export const DEFAULT_SCALING_LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
export const DEFAULT_DECODE_POSITIONS = [64, 256, 1024, 4096];

interface ScalingFlags extends SweepFlags {
  attention: string[];
  mode: ScalingMode;
  backend?: string;
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
        'and writes JSON, markdown, SVG/PNG charts and a self-contained report.html to --out. ' +
        HYBRID_SPEED_ROW,
    )
    .addOption(everyAttentionOption())
    .addOption(new Option('--mode <mode>', 'what is timed').choices(['train', 'forward']).default('train'));
  addSweepOptions(command, { lengths: DEFAULT_SCALING_LENGTHS, repeats: 5 })
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
  const sweep = sweepSettings(values);
  await selectBackend(values.backend);
  await runScalingCommand({
    ...sweep,
    mode: values.mode,
    attentions: values.attention,
    decodePositions: values.decodePositions === 'none' ? [] : values.decodePositions,
    ...(values.budget !== undefined ? { budgetSeconds: values.budget } : {}),
    outDir: values.out,
    lraDir: values.lra,
    ...(extraSections ? { extraSections } : {}),
  });
}
