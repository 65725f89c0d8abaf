import type { Command } from 'commander';
import type { SweepSettings } from '../scaling/scaling-result.js';
import {
  asNonNegativeInt,
  asPositiveInt,
  asPositiveIntList,
  asPositiveNumber,
  listOption,
} from './options.js';

/** The flags `addSweepOptions` adds, as commander parses them. */
export interface SweepFlags {
  lengths: number[];
  dim: number;
  heads: number;
  batch: number;
  repeats: number;
  warmup: number;
  /** Seconds. */
  timeLimit: number;
  /** MiB. */
  memoryLimit: number;
}

/**
 * Adds the options of a sweep over lengths (`scaling`, and the train-step part of `compare`): --lengths, --dim,
 * --heads, --batch, --repeats, --warmup, --time-limit and --memory-limit, with the command's default lengths and
 * repeats (width 256, 4 heads, batch 1, 1 warm-up run, 60 s and 3072 MiB for both).
 */
export function addSweepOptions(command: Command, defaults: { lengths: number[]; repeats: number }): Command {
  return command
    .addOption(
      listOption(
        '--lengths <list>',
        'comma-separated sequence lengths (tokens)',
        asPositiveIntList('lengths'),
        defaults.lengths,
      ),
    )
    .option('--dim <n>', 'model width', asPositiveInt('dim'), 256)
    .option('--heads <n>', 'attention heads (must divide --dim)', asPositiveInt('heads'), 4)
    .option('--batch <n>', 'batch size', asPositiveInt('batch'), 1)
    .option('--repeats <n>', 'timed repeats per length', asPositiveInt('repeats'), defaults.repeats)
    .option('--warmup <n>', 'untimed warm-up runs per length', asNonNegativeInt('warmup'), 1)
    .option(
      '--time-limit <s>',
      "a single run longer than this (seconds) ends the variant's sweep; lengths predicted to take over 2× are not run",
      asPositiveNumber('time-limit'),
      60,
    )
    .option(
      '--memory-limit <MiB>',
      'lengths whose predicted peak tensor memory exceeds this are not run (recorded as out of memory)',
      asPositiveNumber('memory-limit'),
      3072,
    );
}

/** The sweep settings of the parsed flags. Throws when --heads does not divide --dim. */
export function sweepSettings(flags: SweepFlags): SweepSettings {
  if (flags.dim % flags.heads !== 0)
    throw new Error(`--dim (${flags.dim}) must be divisible by --heads (${flags.heads})`);
  return {
    lengths: flags.lengths,
    dim: flags.dim,
    heads: flags.heads,
    batch: flags.batch,
    warmup: flags.warmup,
    repeats: flags.repeats,
    timeLimitSeconds: flags.timeLimit,
    memoryLimitBytes: flags.memoryLimit * 2 ** 20,
  };
}
