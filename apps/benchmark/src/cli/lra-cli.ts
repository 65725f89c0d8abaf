import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { runQuality } from '../quality/command.js';
import { TOUR_QUALITY, TOUR_VARIANTS, tourTable, tourTaskLine } from '../quality/tour.js';
import type { QualityCellResult } from '../quality/results.js';
import type { LraTaskName } from '@tost/lra';
import {
  runLraCommand,
  printReport,
  checkClassifierAttentions,
  checkGeneratable,
  LRA_TASKS,
} from '../lra/command.js';
import { lraSettings } from '../lra/presets.js';
import { asNonNegativeInt, asPositiveInt, asVariantList, commaList, listOption } from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';
import { addPresetOverrideOptions, presetOverrides } from './preset-overrides.js';

/** The tour's real-data and recall tasks (`tost-bench quality`, scaled down), beside the LRA tasks in `quick`. */
const TOUR_TASKS = ['spam', 'mqar'] as const;
type TourTask = (typeof TOUR_TASKS)[number];

function checkTasks(value: string, quick = false): (LraTaskName | TourTask)[] {
  const known: string[] = quick ? [...LRA_TASKS, ...TOUR_TASKS] : LRA_TASKS;
  const names = commaList(value) ?? [];
  if (names.length === 0) throw new Error(`--task needs at least one of ${known.join(', ')}`);
  for (const n of names) {
    if (!known.includes(n)) throw new Error(`unknown --task '${n}'; expected one of ${known.join(', ')}`);
  }
  return names as (LraTaskName | TourTask)[];
}

interface LraFlags {
  task?: string;
  attention: string[];
  data?: string;
  generate?: boolean;
  preset: 'paper' | 'quick';
  block: 'tost' | 'crate';
  steps?: number;
  batch?: number;
  length?: number;
  seed: number;
  out: string;
  resume?: boolean;
  checkpointEvery?: number;
  workers?: number;
  backend?: string;
}

/** `tost-bench lra` and `tost-bench quick` (the quick suite: generated ListOps + Pathfinder, TSSA vs softmax). */
export function registerLraCommand(program: Command, quick: boolean): Command {
  const command = program
    .command(quick ? 'quick' : 'lra')
    .summary(
      quick
        ? 'the quick tour: ListOps, real e-mails (spam) and associative recall (MQAR), TSSA vs softmax vs a hybrid'
        : 'train and evaluate attentions on Long Range Arena tasks',
    )
    .description(
      quick
        ? 'Trains and tests small models of each --attention (default: tssa, softmax and the hybrid tssa+softmax, one ' +
            'TSSA block then one softmax block) on quick ListOps (generated), spam (SpamAssassin e-mails, ' +
            `${TOUR_QUALITY.spam.length} bytes) and MQAR (multi-query associative recall, N = ${TOUR_QUALITY.mqar.pairs![0]}, ` +
            `short convolution ${TOUR_QUALITY.mqar.shortConv}), then prints one table with every ` +
            'result beside its majority or chance baseline and the measured train-step time. Scaled down for two CPU ' +
            'cores; quick Pathfinder: --task pathfinder. Same options as `lra`.'
        : 'Trains and evaluates each --attention on each --task (AdamW, the reference schedule, gradient clipping, ' +
            'checkpoints), writes OUT/<run>/result.json and the trained model, then prints the table.',
    )
    .option(
      '--task <names>',
      `comma-separated tasks: ${LRA_TASKS.join(', ')}${quick ? `, ${TOUR_TASKS.join(', ')} (default: listops,spam,mqar)` : ' (required)'}`,
    )
    .addOption(
      listOption(
        '--attention <names>',
        'comma-separated registered attentions, or hybrids a+b (every block a except the last, b)',
        asVariantList(),
        quick ? TOUR_VARIANTS : ['tssa', 'softmax'],
      ),
    )
    .option('--data <dir>', 'released task files (or where --generate writes)', 'data')
    .option(
      '--generate',
      quick ? 'generate the data (always on for quick)' : 'generate ListOps/Pathfinder/Path-X data',
    )
    .addOption(
      new Option('--preset <name>', 'model and training settings')
        .choices(['paper', 'quick'])
        .default(quick ? 'quick' : 'paper'),
    )
    .addOption(new Option('--block <kind>', 'encoder block').choices(['tost', 'crate']).default('tost'));
  addPresetOverrideOptions(command, '', 'the preset')
    .option(
      '--seed <n>',
      'seeds data generation, shuffling, weight initialisation and dropout',
      asNonNegativeInt('seed'),
      1,
    )
    .option('--out <dir>', 'where run directories are written', quick ? 'runs/quick' : 'runs')
    .option('--resume', 'continue each run from its last checkpoint')
    .option(
      '--checkpoint-every <n>',
      "steps between checkpoints (default: the preset's)",
      asPositiveInt('checkpoint-every'),
    )
    .option(
      '--workers <n>',
      'data-parallel replicas on worker threads (default: one per core, at most the batch size)',
      asPositiveInt('workers'),
    );
  addBackendOption(command);
  return command.action((flags: LraFlags) => runLra(flags, quick));
}

async function runLra(values: LraFlags, quick: boolean): Promise<void> {
  if (!quick && !values.task)
    throw new Error('lra: --task is required (listops, text, retrieval, image, pathfinder, pathx)');
  const requested = checkTasks(values.task ?? 'listops,spam,mqar', quick);
  const tasks = requested.filter((t): t is LraTaskName => !(TOUR_TASKS as readonly string[]).includes(t));
  const tour = requested.filter((t): t is TourTask => (TOUR_TASKS as readonly string[]).includes(t));
  const attentions = values.attention;
  const generate = quick || values.generate === true;
  if (generate) checkGeneratable(tasks);
  const { preset } = values;
  checkClassifierAttentions(
    attentions,
    tasks.map((task) => ({ task, pooling: lraSettings(task, preset).pooling })),
  );
  if (quick && tasks.length > 0) {
    console.log(
      'tost-bench quick: trains and tests ' +
        `${attentions.join(', ')} on generated ${tasks.join(' and ')} data` +
        (tour.length > 0 ? `, then on ${tour.join(' and ')}` : '') +
        ` with the ${preset.toUpperCase()} preset` +
        (preset === 'quick'
          ? ', a scaled-down profile (small models, short inputs, a few hundred steps) sized for two CPU cores: it ' +
            "compares the attentions with each other and with each task's chance or majority baseline, NOT with " +
            'published numbers. The full settings: tost-bench quality, tost-bench lra --preset paper.'
          : '.'),
    );
  }
  // The data-parallel replicas are the parallelism: one wasm thread per replica (unless TOST_WASM_THREADS says).
  if (values.workers !== 1 && process.env.TOST_WASM_THREADS === undefined)
    process.env.TOST_WASM_THREADS = '1';
  const backend = await selectBackend(values.backend);
  const lraResults =
    tasks.length === 0
      ? []
      : await runLraCommand({
          tasks,
          attentions,
          preset,
          block: values.block,
          dataDir: values.data ?? 'data',
          generate,
          outDir: values.out,
          seed: values.seed,
          resume: values.resume === true,
          backend,
          ...(values.workers ? { workers: values.workers } : {}),
          overrides: {
            ...presetOverrides(values),
            ...(values.checkpointEvery ? { checkpointEvery: values.checkpointEvery } : {}),
          },
        });
  if (!quick) {
    console.log('');
    printReport(values.out);
    return;
  }
  const quality: QualityCellResult[] = [];
  for (const task of tour) {
    console.log(
      `\n[${task}] ${tourTaskLine(task)}; ` +
        'scaled down for the tour (tost-bench quality runs the full settings)',
    );
    quality.push(
      ...(await runQuality({
        tasks: [task],
        variants: attentions,
        outDir: join(values.out, 'quality'),
        backend,
        ...TOUR_QUALITY[task],
        ...(values.steps ? { steps: values.steps } : {}),
        ...(values.batch ? { batchSize: values.batch } : {}),
        log: (line) => {
          if (!line.startsWith('#') && !line.startsWith('|') && !line.startsWith('\n#')) console.log(line);
        },
      })),
    );
  }
  console.log(
    '\nThe tour: every attention beside its baseline and its measured train-step time (this machine, this load)\n',
  );
  console.log(tourTable(lraResults, quality));
}

/** `tost-bench report [--out DIR]`: merges the run files in DIR into the markdown table. */
export function registerReportCommand(program: Command): Command {
  return program
    .command('report')
    .summary('merge LRA runs into a markdown table beside the published numbers')
    .description(
      'Reads every OUT/<run>/result.json and prints one markdown table beside the published LRA numbers.',
    )
    .option('--out <dir>', 'directory holding the run directories', 'runs')
    .action((flags: { out: string }) => {
      printReport(flags.out);
    });
}
