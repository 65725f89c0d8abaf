import { AttentionLayer, createAttention, listAttentions, type AttentionFactory } from '@tost/attention';
import { describeValue } from './validation.js';

/** An attention given by registered name ('tssa', 'softmax', 'mssa', 'causal-tssa', …) or by a factory. */
export type AttentionSpec = string | AttentionFactory;

export interface AttentionSlotOptions {
  dim: number;
  heads: number;
  dropout?: number;
  name?: string;
  /** Only passed on when set (causal TSSA needs it for its per-position bias). */
  maxLength?: number;
  /** Only passed on when set. */
  useBias?: boolean;
}

/** Readable name of a spec for messages. */
export function attentionLabel(spec: AttentionSpec): string {
  return typeof spec === 'string' ? `'${spec}'` : 'from a factory';
}

/**
 * Creates the attention for one block and checks that it fits the model: an AttentionLayer of the right width and
 * of the right kind (a classifier or vision model needs a non-causal attention; a language model a causal one).
 */
export function createAttentionForSlot(
  spec: AttentionSpec,
  options: AttentionSlotOptions,
  { owner, causal }: { owner: string; causal: boolean },
): AttentionLayer {
  const attentionOptions: Record<string, unknown> = { dim: options.dim, heads: options.heads };
  if (options.dropout !== undefined) attentionOptions.dropout = options.dropout;
  if (options.name !== undefined) attentionOptions.name = options.name;
  if (options.maxLength !== undefined) attentionOptions.maxLength = options.maxLength;
  if (options.useBias !== undefined) attentionOptions.useBias = options.useBias;
  let layer: unknown;
  if (typeof spec === 'string') {
    layer = createAttention(spec, attentionOptions as { dim: number; heads: number });
  } else if (typeof spec === 'function') {
    layer = spec(attentionOptions as { dim: number; heads: number });
  } else {
    throw new TypeError(
      `${owner}: option 'attention' must be a registered name (${listAttentions().join(', ') || 'none registered'}) ` +
        `or a factory (options) => AttentionLayer, got ${describeValue(spec)}`,
    );
  }
  if (!(layer instanceof AttentionLayer)) {
    throw new TypeError(
      `${owner}: attention ${attentionLabel(spec)} must produce an AttentionLayer (from @tost/attention), ` +
        `got ${describeValue(layer)}`,
    );
  }
  if (layer.dim !== options.dim) {
    throw new RangeError(
      `${owner}: attention ${attentionLabel(spec)} has dim ${layer.dim}, but the model width is ${options.dim}`,
    );
  }
  if (layer.causal !== causal) {
    const what = layer.causal
      ? "is causal (token t sees only tokens ≤ t), but this model needs a non-causal attention that sees the whole sequence (e.g. 'tssa', 'softmax', 'mssa')"
      : "is not causal (it lets token t see later tokens), but a language model needs a causal attention (e.g. 'causal-tssa', 'softmax-causal')";
    throw new Error(`${owner}: attention ${attentionLabel(spec)} ${what}`);
  }
  return layer;
}
