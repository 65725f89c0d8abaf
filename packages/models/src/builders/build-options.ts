import type { BlockStackOptions } from '../blocks/encoder.js';
import { describeValue, rejectUnknownOptions, requireOneOf } from '../util/validation.js';

/** What a classifier outputs: unnormalised 'logits' (the default) or softmax 'probabilities'. */
export type ClassifierOutput = 'logits' | 'probabilities';

/** Options every builder shares: the output kind of classifiers and the initialisation seed. */
export interface BuildOptions {
  /**
   * 'logits' (default) or 'probabilities' (a softmax layer named 'probabilities' is appended). Either way the usual
   * `model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' })` trains correctly (see `ToSTModel`).
   */
  output?: ClassifierOutput;
  /**
   * Seeds every weight initialiser (a non-negative integer): the same seed builds the same weights, bit for bit.
   * Default: unseeded (tfjs's `Math.random`-seeded initialisers).
   */
  seed?: number;
}

/** Checks `output` and `seed` (see `BuildOptions`). */
export function validateBuildOptions(
  owner: string,
  options: BuildOptions,
): { output: ClassifierOutput; seed: number | undefined } {
  const output = requireOneOf(
    owner,
    'output',
    options.output,
    ['logits', 'probabilities'] as const,
    'logits',
  );
  const seed = options.seed;
  if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0)) {
    throw new RangeError(
      `${owner}: option 'seed' must be a non-negative integer, got ${describeValue(seed)}`,
    );
  }
  return { output, seed };
}

/** The block-stack options every builder takes (the vision classifier and the language model take only these). */
export const CORE_STACK_OPTION_NAMES = {
  dim: true,
  depth: true,
  heads: true,
  mlpRatio: true,
  attention: true,
  dropout: true,
  attentionDropout: true,
  layerScaleInit: true,
} as const satisfies Partial<Record<keyof BlockStackOptions, true>>;

/** Every option of `BlockStackOptions` (the type keeps it complete: a new option must be listed here). */
export const BLOCK_STACK_OPTION_NAMES: Record<keyof BlockStackOptions, true> = {
  ...CORE_STACK_OPTION_NAMES,
  shortConv: true,
  block: true,
  dropPath: true,
  layerNormEpsilon: true,
  eta: true,
  lambda: true,
};

/** Every option of `BuildOptions`. */
export const BUILD_OPTION_NAMES: Record<keyof BuildOptions, true> = { output: true, seed: true };

/**
 * A builder's first check: `options` must be an object (a TypeError naming `owner` otherwise) whose every key is in
 * `known` (a TypeError naming the misspelt ones, see `rejectUnknownOptions`).
 */
export function checkBuilderOptions(owner: string, options: unknown, known: Record<string, true>): void {
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${owner}: expected an options object, got ${String(options)}`);
  }
  rejectUnknownOptions(owner, options, known);
}

/**
 * `options` over the defaults of its named `preset`: the preset's `fields` fill every option left undefined (options
 * given explicitly win). Without a preset, `options` as given. Throws a RangeError naming the option 'preset' and
 * listing the valid names when the name is not one of `presets`.
 */
export function applyPreset<O extends { preset?: string }, P extends object, K extends keyof P & keyof O>(
  owner: string,
  options: O,
  presets: Readonly<Record<string, P>>,
  fields: readonly K[],
): O {
  if (options.preset === undefined) return options;
  const preset = Object.prototype.hasOwnProperty.call(presets, options.preset)
    ? presets[options.preset]
    : undefined;
  if (!preset) {
    throw new RangeError(
      `${owner}: option 'preset' must be one of ${Object.keys(presets).join(', ')}, got ${describeValue(options.preset)}`,
    );
  }
  const defaults = Object.fromEntries(fields.map((field) => [field, preset[field]]));
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...defaults, ...given } as O;
}
