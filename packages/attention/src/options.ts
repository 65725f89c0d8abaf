/**
 * Options every attention variant accepts. Variants add their own by extending this interface (e.g. `maxLength`);
 * there is no catch-all, so a misspelt option (`dropuot`) is a type error, and at run time an error naming it.
 */
export interface AttentionOptions {
  /** Model width C: input and output have `dim` channels. */
  dim: number;
  /** Number of heads H; must divide `dim` (each head owns p = dim / heads channels). */
  heads: number;
  /** Dropout rate in [0, 1); applied only when called with `training: true`. */
  dropout?: number;
  /** Whether the projections carry a bias. The default is the variant's. */
  useBias?: boolean;
  /** Layer name (tfjs makes a unique one when omitted). */
  name?: string;
  trainable?: boolean;
}

/** tfjs base-layer fields a layer's `getConfig()` may carry; accepted so that `fromConfig` round-trips. */
export interface LayerBaseArgs {
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  batchSize?: number;
  dtype?: string;
  inputDType?: string;
}

/** Option names every attention accepts (the common options and the tfjs base-layer fields). */
export const COMMON_OPTION_NAMES: readonly string[] = [
  'dim',
  'heads',
  'dropout',
  'useBias',
  'name',
  'trainable',
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'inputDType',
  // tf.loadLayersModel passes the deserialisation context along with the config.
  'customObjects',
];

/**
 * Throws when `options` holds a key that is neither common nor one of `variantOptions`, naming the layer, the
 * option and the accepted names (the usual cause is a typo: `dropuot`).
 */
export function rejectUnknownOptions(
  options: object,
  variantOptions: readonly string[],
  layerClass: string,
): void {
  const accepted = new Set([...COMMON_OPTION_NAMES, ...variantOptions]);
  for (const key of Object.keys(options)) {
    if (!accepted.has(key) && (options as Record<string, unknown>)[key] !== undefined) {
      throw new RangeError(
        `${layerClass}: unknown option '${key}' (given ${describeValue((options as Record<string, unknown>)[key])}); ` +
          `accepted options: ${[...COMMON_OPTION_NAMES.slice(0, 6), ...variantOptions].join(', ')}`,
      );
    }
  }
}

/**
 * A value as an error message shows it after "got": strings quoted (so '16' does not read as the number 16), objects
 * and arrays named, anything else as `String(value)`.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

export interface ValidatedAttentionOptions {
  dim: number;
  heads: number;
  headDim: number;
  dropout: number;
  useBias: boolean;
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/** Throws an error naming the layer class, the option, what was expected and what was given. */
export function validateAttentionOptions(
  options: AttentionOptions | undefined,
  layerClass: string,
  defaultUseBias: boolean,
): ValidatedAttentionOptions {
  if (options == null || typeof options !== 'object') {
    throw new TypeError(
      `${layerClass}: expected an options object {dim, heads, ...}, got ${String(options)}`,
    );
  }
  const { dim, heads } = options;
  if (!isPositiveInteger(dim)) {
    throw new RangeError(`${layerClass}: option 'dim' must be a positive integer, got ${String(dim)}`);
  }
  if (!isPositiveInteger(heads)) {
    throw new RangeError(`${layerClass}: option 'heads' must be a positive integer, got ${String(heads)}`);
  }
  if (dim % heads !== 0) {
    throw new RangeError(
      `${layerClass}: option 'heads' (${heads}) must divide 'dim' (${dim}) so each head gets dim/heads channels`,
    );
  }
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
    throw new RangeError(
      `${layerClass}: option 'dropout' must be a number in [0, 1), got ${String(dropout)}`,
    );
  }
  const useBias = options.useBias ?? defaultUseBias;
  if (typeof useBias !== 'boolean') {
    throw new TypeError(`${layerClass}: option 'useBias' must be a boolean, got ${String(useBias)}`);
  }
  return { dim, heads, headDim: dim / heads, dropout, useBias };
}
