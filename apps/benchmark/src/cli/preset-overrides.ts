import type { Command } from 'commander';
import type { LraSettings } from '../lra/presets.js';
import { asPositiveInt } from './options.js';

/** The preset settings a command line may override. */
export type PresetOverrides = Partial<Pick<LraSettings, 'steps' | 'batchSize' | 'maxLength'>>;

/**
 * Adds `--<prefix>steps`, `--<prefix>batch` and `--<prefix>length` (positive integers, no default) overriding the
 * training steps, batch size and tokens per example of `preset` (named in the help: "the preset", "the quick preset").
 */
export function addPresetOverrideOptions(command: Command, prefix: '' | 'lra-', preset: string): Command {
  return command
    .option(`--${prefix}steps <n>`, `training steps (default: ${preset}'s)`, asPositiveInt(`${prefix}steps`))
    .option(`--${prefix}batch <n>`, `batch size (default: ${preset}'s)`, asPositiveInt(`${prefix}batch`))
    .option(
      `--${prefix}length <n>`,
      `tokens per example (default: ${preset}'s)`,
      asPositiveInt(`${prefix}length`),
    );
}

/** The overrides given (steps, batch, length flags as parsed), without the ones left out. */
export function presetOverrides(flags: { steps?: number; batch?: number; length?: number }): PresetOverrides {
  return {
    ...(flags.steps ? { steps: flags.steps } : {}),
    ...(flags.batch ? { batchSize: flags.batch } : {}),
    ...(flags.length ? { maxLength: flags.length } : {}),
  };
}
