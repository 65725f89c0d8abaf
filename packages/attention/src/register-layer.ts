import type { AttentionLayer, AttentionLayerTraits } from './attention-layer.js';
import type { AttentionDescriptor } from './descriptor.js';
import type { AttentionOptions } from './options.js';
import { registerAttention } from './registry.js';

/** A layer class as the registry sees it: built from options, with its static `traits`. */
export interface AttentionLayerClass<O> {
  new (options: O): AttentionLayer;
  readonly name: string;
  readonly className?: string;
  readonly traits?: AttentionLayerTraits;
}

/**
 * A descriptor without what the layer class already says: `factory`, `complexity` and `streaming` are derived, and
 * `causal` is given only for a class whose causality is an option (`traits.causal === 'option'`): it picks the form
 * the name stands for.
 */
export type AttentionLayerDescriptor = Omit<
  AttentionDescriptor,
  'factory' | 'causal' | 'complexity' | 'streaming'
> & {
  causal?: boolean;
};

/**
 * The descriptor of `layer` under one name. From the class: `factory` (`new layer(options)`), `causal` and
 * `complexity` (its `static traits`), and `streaming` (the class has `step` and the form is causal). For a class
 * whose causality is an option, `fields.causal` is required; the factory passes it and `fixedOptions` holds it, so
 * `createAttention('x', {causal: …})` with the other value is an error.
 *
 * @throws TypeError when the class has no `traits`, when `fields.causal` is missing for a class with a `causal`
 *   option, or when it contradicts a class whose causality is fixed.
 */
export function describeAttentionLayer<O extends AttentionOptions>(
  layer: AttentionLayerClass<O>,
  fields: AttentionLayerDescriptor,
): AttentionDescriptor {
  const className = layer.className ?? layer.name;
  const traits = layer.traits;
  if (!traits) {
    throw new TypeError(
      `describeAttentionLayer: ${className} declares no static 'traits' {causal, complexity, useBias}`,
    );
  }
  const { causal: given, ...rest } = fields;
  if (traits.causal === 'option' && given === undefined) {
    throw new TypeError(
      `describeAttentionLayer: ${className} takes a 'causal' option; descriptor 'causal' must say which form, got undefined`,
    );
  }
  if (traits.causal !== 'option' && given !== undefined && given !== traits.causal) {
    throw new TypeError(
      `describeAttentionLayer: ${className} is ${traits.causal ? '' : 'not '}causal; descriptor 'causal' must be ` +
        `${traits.causal} or left out, got ${given}`,
    );
  }
  const causal = traits.causal === 'option' ? given! : traits.causal;
  const fixed = traits.causal === 'option' ? { causal } : undefined;
  return {
    ...rest,
    factory: fixed
      ? (options) => new layer({ ...options, ...fixed } as unknown as O)
      : (options) => new layer(options as O),
    causal,
    complexity: traits.complexity,
    streaming:
      causal && typeof (layer as unknown as { prototype: { step?: unknown } }).prototype.step === 'function',
    ...(fixed || rest.fixedOptions ? { fixedOptions: { ...fixed, ...rest.fixedOptions } } : {}),
  };
}

/**
 * Registers `layer` under `name` with the descriptor `describeAttentionLayer(layer, fields)` builds (see there for
 * what comes from the class). The same errors as `registerAttention`.
 */
export function registerAttentionLayer<O extends AttentionOptions>(
  name: string,
  layer: AttentionLayerClass<O>,
  fields: AttentionLayerDescriptor,
  { replace = false }: { replace?: boolean } = {},
): void {
  registerAttention(name, describeAttentionLayer(layer, fields), { replace });
}
