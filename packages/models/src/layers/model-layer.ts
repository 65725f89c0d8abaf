import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';

/** A symbolic tensor shape (null = not known until the layer runs). */
export type Shape = (number | null)[];

/** A layer option as `getConfig` saves it; undefined = not saved (an optional option left out). */
export type LayerConfigValue = tf.serialization.ConfigDictValue | undefined;

type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** A weight a layer creates in `build`: its shape and initialiser (float32, trainable). */
export interface WeightSpec {
  shape: number[];
  initializer: Initializer;
}

/** Checks one layer option: returns the value to keep (e.g. a default), or throws naming `owner` and `option`. */
export type OptionCheck<T> = (owner: string, option: string, value: unknown) => T;

/** `check`, with `fallback` standing for an undefined value. */
export function orDefault<T>(check: OptionCheck<T>, fallback: T): OptionCheck<T> {
  return (owner, option, value) => check(owner, option, value ?? fallback);
}

/** The read-only fields `layerWithOptions(checks)` adds: one per option, of its check's type. */
export type CheckedOptions<C> = { readonly [K in keyof C]: C[K] extends OptionCheck<infer T> ? T : never };

/** What every layer constructor takes besides its own options (passed on to tfjs). */
export interface LayerNameOptions {
  name?: string;
  trainable?: boolean;
}

/** The first input's shape: tfjs passes one shape, or a list of shapes to a layer applied to several inputs. */
export function firstShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/**
 * Base of this package's layers: the tfjs `Layer` plumbing written once (tfjs conventions: sync `call` inside
 * `tf.tidy`, `build`, `computeOutputShape`, `getConfig` for save/load). A layer sets `static className`, registers
 * itself with `tf.serialization.registerClass`, and writes:
 * - `forward(x, kwargs, inputs)`: the output from the first input x (and the list of all inputs), inside `tf.tidy`;
 * - `layerConfig()`: its options as `getConfig` saves them (`layerWithOptions` writes it from the option checks);
 * - `weightSpecs()` when it has weights (created by `build`, read with `weight(name)`);
 * - `computeOutputShape` when the output shape is not the first input's.
 */
export abstract class ModelLayer extends tfl.layers.Layer {
  private readonly variables = new Map<string, tfl.LayerVariable>();

  /** The output for the first input `x` (`inputs`: every input, x first, e.g. then a mask), inside `tf.tidy`. */
  protected abstract forward(x: tf.Tensor, kwargs: Kwargs, inputs: tf.Tensor[]): tf.Tensor;

  /** The options `getConfig` saves (each key a constructor option; undefined values are left out). */
  protected abstract layerConfig(): Record<string, LayerConfigValue>;

  /** Default: the first input's shape. */
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return [...firstShape(inputShape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    return tf.tidy(() => this.forward(list[0]!, kwargs, list));
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig() };
    for (const [key, value] of Object.entries(this.layerConfig())) {
      if (value !== undefined) config[key] = value;
    }
    return config;
  }

  /** The weights `build` creates (float32, trainable), by name, in creation order; default none. */
  protected weightSpecs(): Record<string, WeightSpec> {
    return {};
  }

  /** Creates the weights of `weightSpecs()` (tfjs calls it once, before the first `call`). */
  override build(_inputShape: Shape | Shape[]): void {
    for (const [name, { shape, initializer }] of Object.entries(this.weightSpecs())) {
      this.variables.set(name, this.addWeight(name, shape, 'float32', initializer));
    }
    this.built = true;
  }

  /** The current value of the weight `name` of `weightSpecs()` (the live variable's tensor: do not dispose). */
  protected weight(name: string): tf.Tensor {
    const variable = this.variables.get(name);
    if (!variable)
      throw new Error(`${this.getClassName()} '${this.name}': weight '${name}' read before build`);
    return variable.read();
  }

  /** A RangeError for a wrong input `x`: "<ClassName> '<layer name>': <expected>, got [<x's shape>]". */
  protected inputError(expected: string, x: tf.Tensor): RangeError {
    return new RangeError(`${this.getClassName()} '${this.name}': ${expected}, got [${x.shape.join(', ')}]`);
  }
}

/**
 * A `ModelLayer` whose options are declared once, as checks (option name → check): the constructor runs each check
 * on the given option (errors name the subclass's `className` and the option), keeps the result as a field of the
 * same name, and `getConfig` saves them under the same names (so save/load round-trips). Subclass it through
 * `layerWithOptions(checks)`, which also types the fields.
 */
export abstract class LayerWithOptions extends ModelLayer {
  /** The options `getConfig` saves, in declaration order. */
  private readonly optionNames: string[];

  protected constructor(options: LayerNameOptions | undefined, checks: Record<string, OptionCheck<unknown>>) {
    super({ name: options?.name, trainable: options?.trainable });
    const given = (options ?? {}) as Record<string, unknown>;
    const fields = this as unknown as Record<string, unknown>;
    for (const [option, check] of Object.entries(checks)) {
      fields[option] = check(this.getClassName(), option, given[option]);
    }
    this.optionNames = Object.keys(checks);
  }

  protected override layerConfig(): Record<string, LayerConfigValue> {
    const fields = this as unknown as Record<string, LayerConfigValue>;
    return Object.fromEntries(this.optionNames.map((option) => [option, fields[option]]));
  }
}

/**
 * The base class of a layer with the options `checks` (see `LayerWithOptions`): its instances have one read-only
 * field per option, of its check's type. The subclass declares `static className`, a constructor taking its options
 * interface (`super(options)`), and `forward`; checks across options go in its constructor after `super`. It must
 * not declare the option fields again (a class field would reset them to undefined after `super`).
 *
 * @example
 * class Scale extends layerWithOptions({ factor: orDefault(requirePositiveNumber, 2) }) {
 *   static className = 'Scale';
 *   constructor(options: { factor?: number; name?: string } = {}) {
 *     super(options);
 *   }
 *   protected override forward(x: tf.Tensor): tf.Tensor {
 *     return tf.mul(x, this.factor);
 *   }
 * }
 */
export function layerWithOptions<C extends Record<string, OptionCheck<unknown>>>(checks: C) {
  abstract class WithTheseOptions extends LayerWithOptions {
    constructor(options: LayerNameOptions | undefined) {
      super(options, checks);
    }
  }
  return WithTheseOptions as unknown as Omit<typeof LayerWithOptions, 'prototype'> &
    (abstract new (options: LayerNameOptions | undefined) => LayerWithOptions & CheckedOptions<C>);
}
