import {
  AttentionLayer,
  createAttention,
  getAttentionDescriptor,
  isAttentionRegistered,
  listAttentions,
  listAttentionNames,
  type AttentionContext,
  type AttentionOptions,
} from '@tost/attention';
import { describeValue } from '../util/validation.js';

/**
 * A factory for a model slot: receives the common options and what the model knows (`context.maxLength`, the longest
 * sequence the slot will see), returns the layer.
 */
export type AttentionSlotFactory = (options: AttentionOptions, context: AttentionContext) => AttentionLayer;

/** An attention given by registered name (any of `listAttentions()`) or by a factory. */
export type AttentionSpec = string | AttentionSlotFactory;

export interface AttentionSlotOptions {
  dim: number;
  heads: number;
  dropout?: number;
  name?: string;
  /** The longest sequence the slot sees: passed as context, filling options a descriptor marks `fromContext`. */
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
 * of the right kind (`causal`: a language model needs a causal attention, a vision model or a CLS-pooled classifier
 * a non-causal one; 'either' for a classifier that pools every token, where a causal encoder is a uni-directional
 * model). `hint` is appended to a mismatch error.
 */
export function createAttentionForSlot(
  spec: AttentionSpec,
  options: AttentionSlotOptions,
  { owner, causal, hint }: { owner: string; causal: boolean | 'either'; hint?: string },
): AttentionLayer {
  const attentionOptions: AttentionOptions = { dim: options.dim, heads: options.heads };
  if (options.dropout !== undefined) attentionOptions.dropout = options.dropout;
  if (options.name !== undefined) attentionOptions.name = options.name;
  if (options.useBias !== undefined) attentionOptions.useBias = options.useBias;
  const context: AttentionContext = options.maxLength !== undefined ? { maxLength: options.maxLength } : {};
  let layer: unknown;
  if (typeof spec === 'string') {
    if (!isAttentionRegistered(spec)) {
      throw new Error(
        `${owner}: option 'attention' is '${spec}', which is not registered; registered: ` +
          `${listAttentionNames().join(', ') || '(none)'}` +
          // tost-bench writes hybrids a+b; the builders take one name per block.
          (spec.includes('+')
            ? `; a hybrid stack is a list with one name per block (e.g. ${JSON.stringify(spec.split('+'))}) or { default, layers: { index: name } }`
            : ''),
      );
    }
    const descriptor = getAttentionDescriptor(spec);
    if (causal !== 'either' && descriptor.causal !== causal) {
      throw new Error(`${owner}: attention '${spec}' ${kindMismatch(descriptor.causal)}${hint ?? ''}`);
    }
    layer = createAttention(spec, attentionOptions, context);
  } else if (typeof spec === 'function') {
    layer = spec(attentionOptions, context);
  } else {
    throw new TypeError(
      `${owner}: option 'attention' must be a registered name (${listAttentionNames().join(', ') || 'none registered'}) ` +
        `or a factory (options, context) => AttentionLayer, got ${describeValue(spec)}`,
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
  if (causal !== 'either' && layer.causal !== causal) {
    throw new Error(`${owner}: attention ${attentionLabel(spec)} ${kindMismatch(layer.causal)}${hint ?? ''}`);
  }
  return layer;
}

/** Why an attention does not fit, with the registered attentions that would. */
function kindMismatch(layerIsCausal: boolean): string {
  const fitting = listAttentions()
    .filter((d) => d.causal !== layerIsCausal)
    .map((d) => `'${d.name}'`)
    .join(', ');
  return layerIsCausal
    ? `is causal (token t sees only tokens ≤ t), but this model needs a non-causal attention that sees the whole ` +
        `sequence (registered: ${fitting || 'none'})`
    : `is not causal (it lets token t see later tokens), but a language model needs a causal attention ` +
        `(registered: ${fitting || 'none'})`;
}
