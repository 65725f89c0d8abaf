import { createAttention } from '../registry.js';
import type { AttentionOptions } from '../options.js';
import {
  describeAttentionConformance,
  type ConformanceOptions,
  type RegisteredExpectations,
} from './conformance.js';
import type { GoldenSpec } from './golden.js';

/** Options of `describeRegisteredConformance`: the kit's, with the package's golden declarations and fixed options. */
export interface RegisteredConformanceOptions extends Omit<ConformanceOptions, 'golden' | 'registered'> {
  /** The package's golden declarations (its `src/golden.ts`), keyed by registered name; must hold `name`. */
  golden?: Readonly<Record<string, GoldenSpec>>;
  /** Options every layer gets (e.g. a required `maxLength`); a golden case's own options override them. */
  options?: Record<string, unknown>;
  /** Fields the registry descriptor must match (`toMatchObject`), e.g. `{ complexity, family, paper: { arxiv } }`. */
  descriptor?: RegisteredExpectations['descriptor'];
  /** The weights its descriptor's `noWeightDecay` patterns must select, exactly (names without the layer's scope). */
  noWeightDecay?: RegisteredExpectations['noWeightDecay'];
}

/**
 * The conformance suite of a registered variant, one line per name: layers from `createAttention(name, ...)`, the
 * golden cases `golden[name]`, and the check that the registry descriptor agrees with the layer.
 * `describeRegisteredConformance('local-causal', { causal: true, streaming: true, golden })`.
 */
export function describeRegisteredConformance(name: string, options: RegisteredConformanceOptions): void {
  const { golden, options: fixed = {}, descriptor, noWeightDecay, ...rest } = options;
  if (golden && !golden[name]) {
    throw new Error(
      `describeRegisteredConformance('${name}'): the golden declarations have no entry '${name}'`,
    );
  }
  describeAttentionConformance(name, (o) => createAttention(name, { ...fixed, ...o } as AttentionOptions), {
    ...rest,
    golden: golden?.[name],
    registered: { name, options: fixed, descriptor, noWeightDecay },
  });
}
