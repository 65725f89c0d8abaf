import { parseArgs } from 'node:util';
import { runCompare, COMPARE_TASKS, type CompareTask } from '../compare/run-compare.js';
import { registeredVariants } from '../compare/descriptors.js';
import { writeCompareOutputs } from '../compare/write-compare.js';
import {
  checkAttentions,
  commaList,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
  selectBackend,
} from './options.js';

export const DEFAULT_COMPARE_LENGTHS = [1024, 4096, 16384, 65536];
export const DEFAULT_COMPARE_SEEDS = [1, 2, 3];

function checkTasks(names: string[]): CompareTask[] {
  for (const n of names) {
    if (!(COMPARE_TASKS as readonly string[]).includes(n))
      throw new Error(`--tasks: unknown task '${n}'; expected ${COMPARE_TASKS.join(' and/or ')}`);
  }
  return names as CompareTask[];
}

/**
 * `tost-bench compare`: every registered variant (or --attention a,b,…) through the train-step sweep and the quick
 * LRA tasks; one table (markdown, JSON, the HTML report page) and the Pareto chart. Resumable: run it again with the
 * same settings and --out to continue.
 */
export async function compareCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      attention: { type: 'string' },
      lengths: { type: 'string' },
      dim: { type: 'string' },
      heads: { type: 'string' },
      batch: { type: 'string' },
      repeats: { type: 'string' },
      warmup: { type: 'string' },
      'time-limit': { type: 'string' },
      'memory-limit': { type: 'string' },
      tasks: { type: 'string' },
      seeds: { type: 'string' },
      'lra-steps': { type: 'string' },
      'lra-batch': { type: 'string' },
      'lra-length': { type: 'string' },
      'data-seed': { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const attentions = checkAttentions(commaList(values.attention) ?? registeredVariants());
  const lengths =
    commaList(values.lengths)?.map((v) => positiveInt(v, 'lengths')!) ?? DEFAULT_COMPARE_LENGTHS;
  const seeds = commaList(values.seeds)?.map((v) => nonNegativeInt(v, 'seeds')!) ?? DEFAULT_COMPARE_SEEDS;
  const tasks = values.tasks === 'none' ? [] : checkTasks(commaList(values.tasks) ?? [...COMPARE_TASKS]);
  const dim = positiveInt(values.dim, 'dim') ?? 256;
  const heads = positiveInt(values.heads, 'heads') ?? 4;
  if (dim % heads !== 0) throw new Error(`--dim (${dim}) must be divisible by --heads (${heads})`);
  const lraSteps = positiveInt(values['lra-steps'], 'lra-steps');
  const lraBatch = positiveInt(values['lra-batch'], 'lra-batch');
  const lraLength = positiveInt(values['lra-length'], 'lra-length');
  const backend = await selectBackend(values.backend);
  const run = await runCompare({
    attentions,
    tasks,
    seeds,
    outDir: values.out ?? 'bench-results/compare',
    settings: {
      lengths,
      dim,
      heads,
      batch: positiveInt(values.batch, 'batch') ?? 1,
      warmup: nonNegativeInt(values.warmup, 'warmup') ?? 1,
      repeats: positiveInt(values.repeats, 'repeats') ?? 3,
      timeLimitSeconds: positiveNumber(values['time-limit'], 'time-limit') ?? 60,
      memoryLimitBytes: (positiveNumber(values['memory-limit'], 'memory-limit') ?? 3072) * 2 ** 20,
      lraOverrides: {
        ...(lraSteps ? { steps: lraSteps } : {}),
        ...(lraBatch ? { batchSize: lraBatch } : {}),
        ...(lraLength ? { maxLength: lraLength } : {}),
      },
      dataSeed: nonNegativeInt(values['data-seed'], 'data-seed') ?? 1,
      backend,
    },
  });
  const { files, markdown } = await writeCompareOutputs(run);
  console.log('');
  console.log(markdown);
  console.log('');
  console.log(`wrote ${files.join(', ')}`);
}
