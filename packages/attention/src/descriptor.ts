import type { AttentionLayer } from './attention-layer.js';
import type { AttentionOptions } from './options.js';

/** How time and memory of one forward/backward pass grow with the sequence length N. */
export type AttentionComplexity = 'linear' | 'quadratic';

/** The paper a variant implements (shown by `tost-bench --help`, the comparison table and the playground). */
export interface AttentionPaper {
  /** Title as published. */
  title: string;
  /** arXiv identifier, e.g. '2412.17810'. */
  arxiv?: string;
  /** Short citation, e.g. 'Wu et al., ICLR 2025'. */
  citation?: string;
}

/**
 * One option a variant accepts beyond the common ones (`dim`, `heads`, `dropout`, `useBias`, `name`, `trainable`).
 * `createAttention` checks names, types, ranges and requiredness against these specs before calling the factory.
 */
export interface AttentionOptionSpec {
  /** One line for `--help` and error messages. */
  description: string;
  type: 'integer' | 'number' | 'boolean' | 'string';
  /** Used when the option is not given (documented; the factory applies it). */
  default?: number | boolean | string;
  /** Must be given (or supplied by the model context, see `fromContext`). */
  required?: boolean;
  /** Inclusive lower bound for numbers. */
  min?: number;
  /** Exclusive lower bound for numbers (e.g. 0 for "positive"). */
  greaterThan?: number;
  /** Allowed values of a string option. */
  values?: readonly string[];
  /**
   * Filled from what the model around the attention knows when the caller does not give it: `'maxLength'` = the
   * longest sequence the model accepts (e.g. causal TSSA's per-position denominator bias needs it).
   */
  fromContext?: 'maxLength';
}

/** What the model around an attention knows and may pass on (see `AttentionOptionSpec.fromContext`). */
export interface AttentionContext {
  /** Longest sequence the model will feed the attention. */
  maxLength?: number;
}

/** Options counted by `parameterCount`: the common ones plus any variant options (already defaulted). */
export type ParameterCountOptions = AttentionOptions & Record<string, unknown>;

/**
 * Everything the rest of the project needs to know about an attention variant. A variant package registers one
 * descriptor per name with `registerAttention(name, descriptor)`; builders, the trainer's weight-decay exclusion,
 * benchmarks, decoding and `--help` read it instead of testing names.
 */
export interface AttentionDescriptor {
  /** Builds the layer from validated options (context-filled options included). */
  factory: (options: AttentionOptions) => AttentionLayer;
  /** One line: what it is, e.g. 'token-statistics self-attention (ToST), O(N)'. */
  description: string;
  /** Token t only sees tokens ≤ t. Causal variants go into language models, the others into encoders. */
  causal: boolean;
  complexity: AttentionComplexity;
  /** Family, e.g. 'token-statistics', 'softmax', 'white-box', 'linear', 'kernel', 'local'. */
  family: string;
  paper: AttentionPaper;
  /** The variant's own options (beyond the common ones), with defaults, ranges and requiredness. */
  options?: Record<string, AttentionOptionSpec>;
  /**
   * Options the name fixes (e.g. 'softmax-causal' fixes `causal: true`): given with another value they are an error;
   * they are passed to the factory.
   */
  fixedOptions?: Record<string, unknown>;
  /** Regular-expression sources matched against weight names that AdamW must not decay (e.g. 'temperature$'). */
  noWeightDecay?: readonly string[];
  /** Trainable parameters of one layer for these options (defaults applied). */
  parameterCount: (options: ParameterCountOptions) => number;
  /** The layer implements `initState` / `step` (see `StreamingAttention`), equal to its full causal forward. */
  streaming: boolean;
}

/** A registered descriptor with its name (what `listAttentions` and `getAttentionDescriptor` return). */
export interface RegisteredAttention extends Readonly<AttentionDescriptor> {
  readonly name: string;
}
