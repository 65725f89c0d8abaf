import { Option, type Command } from 'commander';
import type { LraTaskName } from '@tost/lra';
import {
  runLraCommand,
  printReport,
  checkClassifierAttentions,
  checkGeneratable,
  LRA_TASKS,
} from '../lra/command.js';
import { lraSettings } from '../lra/presets.js';
import {
  addBackendOption,
  asAttentionList,
  asNonNegativeInt,
  asPositiveInt,
  commaList,
  listOption,
  selectBackend,
} from './options.js';

function checkTasks(value: string): LraTaskName[] {
  const names = commaList(value) ?? [];
  if (names.length === 0) throw new Error(`--task needs at least one of ${LRA_TASKS.join(', ')}`);
  for (const n of names) {
    if (!(LRA_TASKS as string[]).includes(n))
      throw new Error(`unknown --task '${n}'; expected one of ${LRA_TASKS.join(', ')}`);
  }
  return names as LraTaskName[];
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
        ? 'the quick suite: ListOps and Pathfinder (generated), TSSA vs softmax, then the table'
        : 'train and evaluate attentions on Long Range Arena tasks',
    )
    .description(
      quick
        ? 'Trains and tests small TSSA and softmax models on generated ListOps and Pathfinder data with the QUICK ' +
            'preset (a scaled-down profile for two CPU cores), then prints the table. Same options as `lra`.'
        : 'Trains and evaluates each --attention on each --task (AdamW, the reference schedule, gradient clipping, ' +
            'checkpoints), writes OUT/<run>/result.json and the trained model, then prints the table.',
    )
    .option(
      '--task <names>',
      `comma-separated tasks: ${LRA_TASKS.join(', ')}${quick ? ' (default: listops,pathfinder)' : ' (required)'}`,
    )
    .addOption(
      listOption('--attention <names>', 'comma-separated registered attentions', asAttentionList, [
        'tssa',
        'softmax',
      ]),
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
    .addOption(new Option('--block <kind>', 'encoder block').choices(['tost', 'crate']).default('tost'))
    .option('--steps <n>', "training steps (default: the preset's)", asPositiveInt('steps'))
    .option('--batch <n>', "batch size (default: the preset's)", asPositiveInt('batch'))
    .option('--length <n>', "tokens per example (default: the preset's)", asPositiveInt('length'))
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
  const tasks = checkTasks(values.task ?? 'listops,pathfinder');
  const attentions = values.attention;
  const generate = quick || values.generate === true;
  if (generate) checkGeneratable(tasks);
  const { preset } = values;
  checkClassifierAttentions(
    attentions,
    tasks.map((task) => ({ task, pooling: lraSettings(task, preset).pooling })),
  );
  if (quick) {
    console.log(
      'tost-bench quick: trains and tests ' +
        `${attentions.join(' and ')} on generated ${tasks.join(' and ')} data with the ${preset.toUpperCase()} preset` +
        (preset === 'quick'
          ? ', a scaled-down profile (small models, short ListOps trees, 2,000 easy-contour Pathfinder images, a few hundred ' +
            'steps) sized for two CPU cores: it checks that training works and compares the attentions with each ' +
            'other and with the majority class, NOT with the published LRA numbers. The full settings: ' +
            'tost-bench lra --preset paper.'
          : '.'),
    );
  }
  // The data-parallel replicas are the parallelism: one wasm thread per replica (unless TOST_WASM_THREADS says).
  if (values.workers !== 1 && process.env.TOST_WASM_THREADS === undefined)
    process.env.TOST_WASM_THREADS = '1';
  const backend = await selectBackend(values.backend);
  await runLraCommand({
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
      ...(values.steps ? { steps: values.steps } : {}),
      ...(values.batch ? { batchSize: values.batch } : {}),
      ...(values.length ? { maxLength: values.length } : {}),
      ...(values.checkpointEvery ? { checkpointEvery: values.checkpointEvery } : {}),
    },
  });
  console.log('');
  printReport(values.out);
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
