import type { AttentionLayer } from './attention-layer.js';
import type { AttentionOptions } from './options.js';

export type AttentionFactory = (options: AttentionOptions) => AttentionLayer;

const factories = new Map<string, AttentionFactory>();

/**
 * Registers a variant under a name (variant packages do this on import). Registering a taken name is an error unless
 * `replace` is set, so two packages cannot silently shadow each other.
 */
export function registerAttention(name: string, factory: AttentionFactory, { replace = false } = {}): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`registerAttention: 'name' must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (typeof factory !== 'function') {
    throw new TypeError(
      `registerAttention('${name}'): 'factory' must be a function (options) => AttentionLayer`,
    );
  }
  if (factories.has(name) && !replace && factories.get(name) !== factory) {
    throw new Error(`registerAttention: '${name}' is already registered; pass {replace: true} to replace it`);
  }
  factories.set(name, factory);
}

/** Builds a registered variant. An unknown name lists the registered ones. */
export function createAttention(name: string, options: AttentionOptions): AttentionLayer {
  const factory = factories.get(name);
  if (!factory) {
    const known = listAttentions();
    throw new Error(
      `createAttention: no attention registered as '${name}'; registered: ${known.length ? known.join(', ') : '(none)'}` +
        ` — import the package that provides it (e.g. '@tost/tssa' registers 'tssa')`,
    );
  }
  return factory(options);
}

/** Registered names, sorted. */
export function listAttentions(): string[] {
  return [...factories.keys()].sort();
}

export function isAttentionRegistered(name: string): boolean {
  return factories.has(name);
}
