import type { AttentionLayer } from './attention-layer.js';
import type {
  AttentionContext,
  AttentionDescriptor,
  AttentionOptionSpec,
  RegisteredAttention,
} from './descriptor.js';
import { COMMON_OPTION_NAMES, describeValue, type AttentionOptions } from './options.js';

/**
 * Options by registered name, for type checking `createAttention('name', {...})`. A variant package augments it:
 * `declare module '@tost/attention' { interface AttentionOptionsByName { 'causal-tssa': CausalTSSAOptions } }`.
 * A literal name listed here gets its exact options type (a misspelt option is a type error); any other name gets
 * `AttentionOptions` plus variant options, checked at run time against the descriptor.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AttentionOptionsByName {}

/** The options type `createAttention(name, …)` takes for a name. */
export type OptionsFor<N extends string> = N extends keyof AttentionOptionsByName
  ? AttentionOptionsByName[N]
  : AttentionOptions | (AttentionOptions & { [variantOption: string]: unknown });

/** A factory (options) => layer: what a model slot accepts besides a registered name. */
export type AttentionFactory = (options: AttentionOptions) => AttentionLayer;

const registry = new Map<string, RegisteredAttention>();

/**
 * Registers a variant under a name (variant packages do this on import). Registering a taken name is an error unless
 * `replace` is set, so two packages cannot silently shadow each other; registering the same descriptor object twice
 * is a no-op (a package imported through two paths).
 *
 * @throws TypeError for an empty name or a descriptor without `factory`, `description`, `causal`, `complexity`,
 *   `family`, `paper.title`, `parameterCount` or `streaming`.
 */
export function registerAttention(
  name: string,
  descriptor: AttentionDescriptor,
  { replace = false }: { replace?: boolean } = {},
): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(`registerAttention: 'name' must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  validateDescriptor(name, descriptor);
  const existing = registry.get(name);
  if (existing && !replace && existing.factory !== descriptor.factory) {
    throw new Error(`registerAttention: '${name}' is already registered; pass {replace: true} to replace it`);
  }
  registry.set(name, Object.freeze({ ...descriptor, name }));
}

function validateDescriptor(name: string, d: AttentionDescriptor): void {
  const where = `registerAttention('${name}')`;
  if (d == null || typeof d !== 'object') {
    throw new TypeError(`${where}: 'descriptor' must be an object {factory, description, causal, …}, got ${String(d)}`);
  }
  const need = (ok: boolean, field: string, expected: string, given: unknown): void => {
    if (!ok) throw new TypeError(`${where}: descriptor '${field}' must be ${expected}, got ${String(given)}`);
  };
  need(typeof d.factory === 'function', 'factory', 'a function (options) => AttentionLayer', d.factory);
  need(typeof d.description === 'string' && d.description.length > 0, 'description', 'a one-line string', d.description);
  need(typeof d.causal === 'boolean', 'causal', 'a boolean', d.causal);
  need(d.complexity === 'linear' || d.complexity === 'quadratic', 'complexity', "'linear' or 'quadratic'", d.complexity);
  need(typeof d.family === 'string' && d.family.length > 0, 'family', 'a non-empty string', d.family);
  need(typeof d.paper?.title === 'string', 'paper.title', 'a string', d.paper?.title);
  need(typeof d.parameterCount === 'function', 'parameterCount', 'a function (options) => number', d.parameterCount);
  need(typeof d.streaming === 'boolean', 'streaming', 'a boolean', d.streaming);
  for (const pattern of d.noWeightDecay ?? []) {
    try {
      new RegExp(pattern);
    } catch {
      throw new TypeError(`${where}: noWeightDecay pattern ${JSON.stringify(pattern)} is not a regular expression`);
    }
  }
  for (const key of Object.keys(d.options ?? {})) {
    if (COMMON_OPTION_NAMES.includes(key)) {
      throw new TypeError(`${where}: option '${key}' is a common option; list only the variant's own options`);
    }
  }
}

/** The descriptor registered under `name`. @throws Error listing the registered names when there is none. */
export function getAttentionDescriptor(name: string): RegisteredAttention {
  const descriptor = registry.get(name);
  if (!descriptor) {
    const known = listAttentionNames();
    throw new Error(
      `no attention registered as '${name}'; registered: ${known.length ? known.join(', ') : '(none)'}` +
        ` — import '@tost/variants' (registers every built-in variant) or the package that provides it`,
    );
  }
  return descriptor;
}

/**
 * Builds a registered variant. Options are checked against the descriptor first: unknown names (typos), wrong types
 * or ranges, missing required ones, and values contradicting what the name fixes (`createAttention('tssa',
 * {causal: true})`, `createAttention('softmax-causal', {causal: false})`) are errors naming the option, the
 * expected value and the given one. `context` fills options the descriptor marks `fromContext` (e.g. causal TSSA's
 * `maxLength` from the model's context length) when the caller leaves them out.
 */
export function createAttention<N extends string>(
  name: N,
  options: OptionsFor<N>,
  context: AttentionContext = {},
): AttentionLayer {
  let descriptor: RegisteredAttention;
  try {
    descriptor = getAttentionDescriptor(name);
  } catch (error) {
    throw new Error(`createAttention: ${(error as Error).message}`);
  }
  return descriptor.factory(resolveAttentionOptions(descriptor, options as AttentionOptions, context));
}

/**
 * The options a descriptor's factory receives: the caller's, checked, with `fromContext` options filled and fixed
 * options added. Exported for tools that build layers themselves (e.g. a worker replicating a model).
 */
export function resolveAttentionOptions(
  descriptor: RegisteredAttention,
  options: AttentionOptions,
  context: AttentionContext = {},
): AttentionOptions {
  const label = `createAttention('${descriptor.name}')`;
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${label}: expected an options object {dim, heads, ...}, got ${String(options)}`);
  }
  const specs = descriptor.options ?? {};
  const fixed = descriptor.fixedOptions ?? {};
  const given = options as unknown as Record<string, unknown>;
  const accepted = [...Object.keys(specs)];
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (key in fixed) {
      if (value !== fixed[key]) {
        throw new RangeError(
          `${label}: option '${key}' is fixed to ${String(fixed[key])} by the name '${descriptor.name}', got ` +
            `${String(value)}` +
            (key === 'causal' ? ` — pick the ${value ? 'causal' : 'non-causal'} variant by name instead` : ''),
        );
      }
      continue;
    }
    if (!COMMON_OPTION_NAMES.includes(key) && !(key in specs)) {
      throw new RangeError(
        `${label}: unknown option '${key}' (given ${String(value)}); accepted: dim, heads, dropout, useBias, name, ` +
          `trainable${accepted.length ? ', ' + accepted.join(', ') : ''}`,
      );
    }
    if (key in specs) checkOptionValue(label, key, value, specs[key]!);
    resolved[key] = value;
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (resolved[key] !== undefined) continue;
    if (spec.fromContext && context[spec.fromContext] !== undefined) {
      resolved[key] = context[spec.fromContext];
      checkOptionValue(`${label} (from the model's ${spec.fromContext})`, key, resolved[key], spec);
    } else if (spec.required) {
      throw new RangeError(
        `${label}: option '${key}' is required (${spec.description}), got undefined` +
          (spec.fromContext ? ` — pass it, or build the attention inside a model that knows its ${spec.fromContext}` : ''),
      );
    }
  }
  return { ...resolved, ...fixed } as unknown as AttentionOptions;
}

function checkOptionValue(label: string, key: string, value: unknown, spec: AttentionOptionSpec): void {
  const fail = (expected: string): never => {
    throw new RangeError(
      `${label}: option '${key}' must be ${expected} (${spec.description}), got ${describeValue(value)}`,
    );
  };
  switch (spec.type) {
    case 'boolean':
      if (typeof value !== 'boolean') fail('a boolean');
      return;
    case 'string':
      if (typeof value !== 'string') fail('a string');
      if (spec.values && !spec.values.includes(value as string)) fail(`one of ${spec.values.join(', ')}`);
      return;
    case 'integer':
    case 'number': {
      const bound =
        spec.greaterThan !== undefined ? ` > ${spec.greaterThan}` : spec.min !== undefined ? ` ≥ ${spec.min}` : '';
      const kind = spec.type === 'integer' ? 'an integer' : 'a finite number';
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(kind + bound);
      if (spec.type === 'integer' && !Number.isInteger(value)) fail(kind + bound);
      if (spec.greaterThan !== undefined && !((value as number) > spec.greaterThan)) fail(kind + bound);
      if (spec.min !== undefined && !((value as number) >= spec.min)) fail(kind + bound);
      return;
    }
  }
}

/** Registered descriptors (name, description, causal, complexity, family, paper, …), sorted by name. */
export function listAttentions(): RegisteredAttention[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Registered names, sorted. */
export function listAttentionNames(): string[] {
  return listAttentions().map((d) => d.name);
}

export function isAttentionRegistered(name: string): boolean {
  return registry.has(name);
}

/**
 * Weight-name patterns no registered variant wants decayed (the union of every descriptor's `noWeightDecay`), as one
 * regular expression, or undefined when there are none. The trainer's AdamW reads this.
 */
export function noWeightDecayPattern(): RegExp | undefined {
  const patterns = [...new Set(listAttentions().flatMap((d) => d.noWeightDecay ?? []))];
  return patterns.length ? new RegExp(patterns.map((p) => `(?:${p})`).join('|')) : undefined;
}
