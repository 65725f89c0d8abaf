import type { Command } from 'commander';
import { runSmoke } from '../smoke/command.js';
import { HYBRID_SPEED_ROW } from '../variant-names.js';
import { asVariantList, asPositiveInt, asPositiveIntList, listOption } from './options.js';
import { addBackendOption, selectBackend } from './backend-option.js';

interface SmokeFlags {
  lengths: number[];
  dim: number;
  heads: number;
  attention?: string[];
  backend?: string;
}

/** `tost-bench smoke`: builds every registered attention and runs a forward and a train step at a few lengths. */
export function registerSmokeCommand(program: Command): Command {
  const command = program
    .command('smoke')
    .summary('a forward and a train step of every registered attention at a few lengths')
    .description(
      'Builds every registered attention (or --attention) and times a forward and a train step. ' +
        HYBRID_SPEED_ROW,
    )
    .addOption(
      listOption(
        '--lengths <list>',
        'comma-separated sequence lengths',
        asPositiveIntList('lengths'),
        [256, 1024],
      ),
    )
    .option('--dim <n>', 'model width', asPositiveInt('dim'), 64)
    .option('--heads <n>', 'attention heads', asPositiveInt('heads'), 4)
    .option(
      '--attention <names>',
      'comma-separated registered attentions or hybrids a+b (default: all)',
      asVariantList(),
    );
  addBackendOption(command);
  return command.action(async (values: SmokeFlags) => {
    await selectBackend(values.backend);
    await runSmoke({
      lengths: values.lengths,
      dim: values.dim,
      heads: values.heads,
      attentions: values.attention,
    });
  });
}
