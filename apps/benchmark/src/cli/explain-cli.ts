import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { LraTaskName } from '@tost/lra';
import { runExplain, type ModelVariant } from '../explain/command.js';
import { checkpointSource, runSource } from '../explain/sources.js';
import { LRA_TASKS } from '../lra/presets.js';
import { positiveInt, positiveNumber, selectBackend } from './options.js';

/** `tost-bench explain`: white-box analysis (membership maps, per-layer compression) of a trained or fresh model. */
export async function explainCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      run: { type: 'string' },
      checkpoint: { type: 'string' },
      inputs: { type: 'string' },
      out: { type: 'string' },
      untrained: { type: 'boolean' },
      compare: { type: 'boolean' },
      data: { type: 'string' },
      task: { type: 'string' },
      eps: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.run === !values.checkpoint)
    throw new Error('explain: pass exactly one of --run RUN_DIR or --checkpoint MODEL_DIR');
  if (values.untrained && values.compare)
    throw new Error('explain: --untrained and --compare exclude each other');
  if (values.task && !(LRA_TASKS as string[]).includes(values.task)) {
    throw new Error(`explain: unknown --task '${values.task}'; expected one of ${LRA_TASKS.join(', ')}`);
  }
  await selectBackend(values.backend);
  const log = (line: string) => console.log(line);
  const source = values.run
    ? runSource(values.run, values.data, log)
    : checkpointSource(values.checkpoint!, values.data, values.task as LraTaskName | undefined, log);
  const variants: ModelVariant[] = values.compare
    ? ['trained', 'untrained']
    : values.untrained
      ? ['untrained']
      : ['trained'];
  const outDir =
    values.out ?? join(values.run ?? values.checkpoint!, values.untrained ? 'explain-untrained' : 'explain');
  const eps = positiveNumber(values.eps, 'eps') ?? 0.5;
  const result = await runExplain({
    source,
    variants,
    count: positiveInt(values.inputs, 'inputs') ?? 4,
    outDir,
    eps,
    seed: positiveInt(values.seed, 'seed') ?? 1,
    log,
  });
  console.log('');
  console.log(result.table);
  console.log(`\n${result.files.length} files written to ${outDir} (open index.html)`);
}
