import { parseArgs } from 'node:util';
import type { LraTaskName } from '@tost/lra';
import { runLraCommand, printReport, checkGeneratable, LRA_TASKS } from '../commands/lra.js';
import { checkAttentions, commaList, nonNegativeInt, positiveInt, selectBackend } from './options.js';

function checkTasks(names: string[]): LraTaskName[] {
  for (const n of names) {
    if (!(LRA_TASKS as string[]).includes(n))
      throw new Error(`unknown --task '${n}'; expected one of ${LRA_TASKS.join(', ')}`);
  }
  return names as LraTaskName[];
}

/** `tost-bench lra ...` and `tost-bench quick` (the quick suite: generated ListOps + Pathfinder, TSSA vs softmax). */
export async function lraCli(args: string[], quick: boolean): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      attention: { type: 'string' },
      backend: { type: 'string' },
      task: { type: 'string' },
      data: { type: 'string' },
      generate: { type: 'boolean' },
      preset: { type: 'string' },
      block: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      length: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      'checkpoint-every': { type: 'string' },
    },
    strict: true,
  });
  const preset = values.preset ?? (quick ? 'quick' : 'paper');
  if (preset !== 'paper' && preset !== 'quick')
    throw new Error(`--preset must be paper or quick, got '${preset}'`);
  const block = values.block ?? 'tost';
  if (block !== 'tost' && block !== 'crate') throw new Error(`--block must be tost or crate, got '${block}'`);
  if (!quick && !values.task)
    throw new Error('lra: --task is required (listops, text, retrieval, image, pathfinder, pathx)');
  const tasks = checkTasks(commaList(values.task) ?? ['listops', 'pathfinder']);
  const attentions = checkAttentions(commaList(values.attention) ?? ['tssa', 'softmax']);
  const generate = quick || values.generate === true;
  if (generate) checkGeneratable(tasks);
  const outDir = values.out ?? (quick ? 'runs/quick' : 'runs');
  const steps = positiveInt(values.steps, 'steps');
  const batchSize = positiveInt(values.batch, 'batch');
  const maxLength = positiveInt(values.length, 'length');
  const checkpointEvery = positiveInt(values['checkpoint-every'], 'checkpoint-every');
  const seed = nonNegativeInt(values.seed, 'seed') ?? 1;
  if (quick) {
    console.log(
      'tost-bench quick: trains and tests ' +
        `${attentions.join(' and ')} on generated ${tasks.join(' and ')} data with the QUICK preset, a scaled-down ` +
        'profile (small models, short ListOps trees, 2,000 easy-contour Pathfinder images, a few hundred steps) sized for two CPU ' +
        'cores: it checks that training works and compares the attentions with each other and with the majority ' +
        'class, NOT with the published LRA numbers. The full settings: tost-bench lra --preset paper.',
    );
  }
  const backend = await selectBackend(values.backend);
  await runLraCommand({
    tasks,
    attentions,
    preset,
    block,
    dataDir: values.data ?? 'data',
    generate,
    outDir,
    seed,
    resume: values.resume === true,
    backend,
    overrides: {
      ...(steps ? { steps } : {}),
      ...(batchSize ? { batchSize } : {}),
      ...(maxLength ? { maxLength } : {}),
      ...(checkpointEvery ? { checkpointEvery } : {}),
    },
  });
  console.log('');
  printReport(outDir);
}

/** `tost-bench report [--out DIR]`: merges the run files in DIR into the markdown table. */
export function reportCli(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
  printReport(values.out ?? 'runs');
  return Promise.resolve();
}
