import { Option, type Command } from 'commander';
import { join } from 'node:path';
import type { LraTaskName } from '@tost/lra';
import { runExplain, type ModelVariant } from '../explain/command.js';
import { checkpointSource, runSource } from '../explain/sources.js';
import { LRA_TASKS } from '../lra/presets.js';
import { asNonNegativeInt, asPositiveInt, asPositiveNumber } from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';

interface ExplainFlags {
  run?: string;
  checkpoint?: string;
  inputs: number;
  out?: string;
  untrained?: boolean;
  compare?: boolean;
  data?: string;
  task?: LraTaskName;
  eps: number;
  seed: number;
  backend?: string;
}

/** `tost-bench explain`: white-box analysis (membership maps, per-layer compression) of a trained or fresh model. */
export function registerExplainCommand(program: Command): Command {
  const command = program
    .command('explain')
    .summary('Π maps per layer/head, per-layer compression chart and an HTML section for a run or model')
    .description(
      'Writes TSSA membership heatmaps (Π per layer and head) and the per-layer compression chart of a trained model ' +
        '(and, with --compare, of the same architecture with fresh weights), an HTML section and index.html.',
    )
    .option('--run <dir>', 'an LRA run directory (result.json and model/)')
    .option('--checkpoint <dir>', 'a saved model directory (model.json + weights.bin)')
    .option('--inputs <n>', 'number of examples', asPositiveInt('inputs'), 4)
    .option('--out <dir>', 'output directory (default: RUN_DIR/explain, or explain-untrained)')
    .option('--untrained', 'explain the architecture with fresh weights only')
    .option('--compare', 'explain the trained and the untrained model side by side')
    .option('--data <dir>', "data root (default: the run's recorded data folder, else ./data)")
    .addOption(new Option('--task <name>', 'task of the --checkpoint examples').choices(LRA_TASKS))
    .option('--eps <x>', 'ε of the coding rate', asPositiveNumber('eps'), 0.5)
    .option('--seed <n>', 'seed of the examples and of the untrained weights', asNonNegativeInt('seed'), 1);
  addBackendOption(command);
  return command.action(runExplainCli);
}

async function runExplainCli(values: ExplainFlags): Promise<void> {
  if (!values.run === !values.checkpoint)
    throw new Error('explain: pass exactly one of --run RUN_DIR or --checkpoint MODEL_DIR');
  if (values.untrained && values.compare)
    throw new Error('explain: --untrained and --compare exclude each other');
  await selectBackend(values.backend);
  const log = (line: string) => console.log(line);
  const source = values.run
    ? runSource(values.run, values.data, log)
    : checkpointSource(values.checkpoint!, values.data, values.task, log);
  const variants: ModelVariant[] = values.compare
    ? ['trained', 'untrained']
    : values.untrained
      ? ['untrained']
      : ['trained'];
  const outDir =
    values.out ?? join(values.run ?? values.checkpoint!, values.untrained ? 'explain-untrained' : 'explain');
  const result = await runExplain({
    source,
    variants,
    count: values.inputs,
    outDir,
    eps: values.eps,
    seed: values.seed,
    log,
  });
  console.log('');
  console.log(result.table);
  console.log(`\n${result.files.length} files written to ${outDir} (open index.html)`);
}
