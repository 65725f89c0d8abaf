import { parseArgs } from 'node:util';
import { runSmoke } from '../smoke/command.js';
import { checkAttentions, commaList, positiveInt, selectBackend } from './options.js';

/** `tost-bench smoke`: builds every registered attention and runs a forward and a train step at a few lengths. */
export async function smokeCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      lengths: { type: 'string' },
      dim: { type: 'string' },
      heads: { type: 'string' },
      attention: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  const lengths = commaList(values.lengths)?.map((v) => positiveInt(v, 'lengths')!) ?? [256, 1024];
  const attentions = values.attention ? checkAttentions(commaList(values.attention)!) : undefined;
  await selectBackend(values.backend);
  await runSmoke({
    lengths,
    dim: positiveInt(values.dim, 'dim') ?? 64,
    heads: positiveInt(values.heads, 'heads') ?? 4,
    attentions,
  });
}
