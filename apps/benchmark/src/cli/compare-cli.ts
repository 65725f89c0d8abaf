import type { Command } from 'commander';
import { COMPARE_TASKS, runCompare, type CompareTask } from '../compare/run-compare.js';
import { QUALITY_SUBDIR, writeCompareOutputs } from '../compare/write-compare.js';
import { join } from 'node:path';
import { runQuality } from '../quality/command.js';
import { QUALITY_TASKS, type QualityTask } from '../quality/tasks.js';
import { HYBRID_SPEED_ROW } from '../variant-names.js';
import {
  asNonNegativeInt,
  asPositiveInt,
  asPositiveIntList,
  asVariantList,
  commaList,
  everyAttentionOption,
  listOption,
} from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';
import { addPresetOverrideOptions, presetOverrides } from './preset-overrides.js';
import { addSweepOptions, sweepSettings, type SweepFlags } from './sweep-options.js';

export const DEFAULT_COMPARE_LENGTHS = [1024, 4096, 16384, 65536];
export const DEFAULT_COMPARE_SEEDS = [1, 2, 3];

interface CompareFlags extends SweepFlags {
  attention: string[];
  tasks: CompareTask[];
  seeds: number[];
  lraSteps?: number;
  lraBatch?: number;
  lraLength?: number;
  dataSeed: number;
  workers?: number;
  reportOnly?: boolean;
  backend?: string;
  out: string;
  qualityTasks: QualityTask[];
  hybrids: string[];
  qualitySteps?: number;
}

/** `--quality-tasks mqar,char-lm,spam`, `all` or `none`. */
function asQualityTasks(value: string): QualityTask[] {
  if (value === 'none') return [];
  if (value === 'all') return [...QUALITY_TASKS];
  const names = commaList(value) ?? [];
  for (const n of names)
    if (!(QUALITY_TASKS as readonly string[]).includes(n))
      throw new Error(
        `--quality-tasks: unknown task '${n}'; expected ${QUALITY_TASKS.join(', ')}, all or none`,
      );
  return names as QualityTask[];
}

/** `--tasks listops,pathfinder` or `none`. */
function asTasks(value: string): CompareTask[] {
  if (value === 'none') return [];
  const names = commaList(value) ?? [];
  for (const n of names) {
    if (!(COMPARE_TASKS as readonly string[]).includes(n))
      throw new Error(`--tasks: unknown task '${n}'; expected ${COMPARE_TASKS.join(' and/or ')}, or none`);
  }
  return names as CompareTask[];
}

/**
 * `tost-bench compare`: every registered variant (or --attention a,b,…) through the train-step sweep and the quick
 * LRA tasks; one table (markdown, JSON, the HTML report page) and the Pareto chart. Resumable: run it again with the
 * same settings and --out to continue.
 */
export function registerCompareCommand(program: Command): Command {
  const command = program
    .command('compare')
    .summary('every variant through one harness: train-step time/memory per length and quick LRA accuracy')
    .description(
      'For every registered attention (or --attention): the train step (forward + backward to every weight) at each ' +
        'length with the scaling sweep, and the quick ListOps and Pathfinder runs with the same model, data, steps and ' +
        'seeds. Writes compare.md, compare.json, the Pareto chart (compare-pareto.svg/.png) and report.html (sortable ' +
        'table) to --out. Every finished cell is saved in --out/compare-state.json: run the same command again to ' +
        'resume. Causal variants are trained as uni-directional encoders under the same class-attention pooling. ' +
        HYBRID_SPEED_ROW,
    )
    .addOption(everyAttentionOption());
  addSweepOptions(command, { lengths: DEFAULT_COMPARE_LENGTHS, repeats: 3 })
    .addOption(
      listOption('--tasks <list>', 'quick LRA tasks: listops,pathfinder, or none', asTasks, [
        ...COMPARE_TASKS,
      ]),
    )
    .addOption(
      listOption(
        '--seeds <list>',
        'seeds of the LRA runs (weights and batch order)',
        asPositiveIntList('seeds'),
        DEFAULT_COMPARE_SEEDS,
      ),
    );
  addPresetOverrideOptions(command, 'lra-', 'the quick LRA preset')
    .option(
      '--data-seed <n>',
      'seed of the generated LRA data (the same for every variant and seed)',
      asNonNegativeInt('data-seed'),
      1,
    )
    .option(
      '--workers <n>',
      'data-parallel replicas of each LRA run on worker threads (default: one per core, at most the batch size)',
      asPositiveInt('workers'),
    )
    .addOption(
      listOption(
        '--quality-tasks <list>',
        `tost-bench quality tasks run for every variant and hybrid into OUT/${QUALITY_SUBDIR} (${QUALITY_TASKS.join(', ')}, all or none); ` +
          `their columns and charts are added whenever OUT/${QUALITY_SUBDIR}/quality.json exists`,
        asQualityTasks,
        [],
      ),
    )
    .addOption(
      listOption(
        '--hybrids <list>',
        'hybrids a+b (every block a except the last, b) added to the quality runs',
        asVariantList('--hybrids'),
        ['tssa+softmax', 'tssa+local'],
      ),
    )
    .option(
      '--quality-steps <n>',
      "override the quality tasks' steps (smoke runs)",
      asPositiveInt('quality-steps'),
    )
    .option('--out <dir>', 'output directory (and resume state)', 'bench-results/compare')
    .option(
      '--report-only',
      'run nothing: write the table, chart and page from the cells already finished in --out (the rest as missing)',
    );
  addBackendOption(command);
  return command.action(async (values: CompareFlags) => {
    const sweep = sweepSettings(values);
    const backend = await selectBackend(values.backend);
    const run = await runCompare({
      attentions: values.attention,
      tasks: values.tasks,
      seeds: values.seeds,
      outDir: values.out,
      ...(values.reportOnly ? { reportOnly: true } : {}),
      settings: {
        ...sweep,
        lraOverrides: presetOverrides({
          steps: values.lraSteps,
          batch: values.lraBatch,
          length: values.lraLength,
        }),
        dataSeed: values.dataSeed,
        ...(values.workers !== undefined ? { workers: values.workers } : {}),
        backend,
      },
    });
    if (values.qualityTasks.length > 0 && !values.reportOnly) {
      await runQuality({
        tasks: values.qualityTasks,
        variants: [...values.attention, ...values.hybrids.filter((h) => !values.attention.includes(h))],
        seeds: values.seeds.length,
        outDir: join(values.out, QUALITY_SUBDIR),
        backend,
        ...(values.qualitySteps ? { steps: values.qualitySteps } : {}),
      });
    }
    const { files, markdown } = await writeCompareOutputs(run);
    console.log('');
    console.log(markdown);
    console.log('');
    console.log(`wrote ${files.join(', ')}`);
  });
}
