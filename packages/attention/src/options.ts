/** Options every attention variant accepts. Variants may add their own (e.g. `causal`, `maxLength`). */
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
  /** Accepted so that `getConfig()` → `fromConfig()` round-trips the tfjs base-layer fields. */
  [layerArg: string]: unknown;
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
