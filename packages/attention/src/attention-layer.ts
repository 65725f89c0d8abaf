import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import {
  isPositiveInteger,
  rejectUnknownOptions,
  validateAttentionOptions,
  type AttentionOptions,
  type LayerBaseArgs,
} from './options.js';
import { validateMask, validateMaskValues } from './mask.js';
import type { AttentionComplexity } from './descriptor.js';

export type { AttentionComplexity } from './descriptor.js';

/** Keyword arguments of `call` / `apply`. */
export interface AttentionCallKwargs {
  /** [batch, seq]: 1 = real token, 0 = padding. May also be passed as the second input: `apply([x, mask])`. */
  mask?: tf.Tensor;
  /** Enables dropout. */
  training?: boolean;
}

type Shape = (number | null)[];

/**
 * What a layer class fixes about itself, declared once as `static traits`: the base constructor reads it (the
 * `useBias` default, causality, complexity) and so does `registerAttentionLayer` (the descriptor's `causal`,
 * `complexity` and `streaming`), so the class and its descriptor cannot disagree.
 */
export interface AttentionLayerTraits {
  /**
   * Whether token t only sees tokens ≤ t; or `'option'`: the layer's boolean `causal` option decides (default false),
   * checked by the base constructor and recorded by `getConfig` (list `'causal'` in `optionNames`).
   */
  readonly causal: boolean | 'option';
  /** How time and memory grow with the sequence length. */
  readonly complexity: AttentionComplexity;
  /** Default of the `useBias` option. */
  readonly useBias: boolean;
}

/**
 * Base class of every attention variant: input [batch, seq, dim] → output [batch, seq, dim].
 *
 * Subclasses create their weights in `build` and implement `attend` (already inside `tidy`, inputs validated).
 * The padding mask reaches `attend` from `kwargs.mask`, from a second input (`apply([x, mask])`, which is how a
 * functional model passes it) or from tfjs's own mask propagation (e.g. an Embedding with `maskZero`).
 *
 * Masks are exact: the mask must hold only 0 and 1 (or be bool), and padded tokens are replaced by 0 (a select, not
 * a product, so NaN or ±Infinity there cannot reach any real token) before `attend` sees them. An empty batch or
 * an empty sequence gives an empty output of the same shape without calling `attend`.
 *
 * Option names are checked: a subclass lists its own options in `static optionNames`; any other key is an error.
 * Every concrete subclass declares `static traits` (causality, complexity, the `useBias` default).
 */
export abstract class AttentionLayer extends tfl.layers.Layer {
  readonly dim: number;
  readonly heads: number;
  /** Channels per head, p = dim / heads. */
  readonly headDim: number;
  readonly dropoutRate: number;
  readonly useBias: boolean;

  /** Whether token t only sees tokens ≤ t (the class's `traits.causal`, or its `causal` option). */
  readonly causal: boolean;
  /** How time and memory grow with sequence length. */
  readonly complexity: AttentionComplexity;
  private readonly causalIsOption: boolean;

  /** The subclass's own option names (beyond the common ones); anything else is rejected. */
  static optionNames: readonly string[] = [];
  /** What the class fixes about itself; every concrete subclass (or an abstract parent) declares it. */
  static readonly traits?: AttentionLayerTraits;

  constructor(options: AttentionOptions & LayerBaseArgs) {
    const target = new.target as unknown as {
      className?: string;
      optionNames?: readonly string[];
      traits?: AttentionLayerTraits;
    };
    const layerClass = target.className ?? new.target.name;
    const traits = target.traits;
    if (!traits) {
      throw new TypeError(
        `${layerClass}: the class must declare static 'traits' {causal, complexity, useBias}`,
      );
    }
    const validated = validateAttentionOptions(options, layerClass, traits.useBias);
    rejectUnknownOptions(options, target.optionNames ?? [], layerClass);
    const causal =
      traits.causal === 'option'
        ? causalOption((options as { causal?: unknown }).causal, layerClass)
        : traits.causal;
    super({
      name: options.name,
      trainable: options.trainable,
      inputShape: options.inputShape,
      batchInputShape: options.batchInputShape,
      batchSize: options.batchSize,
      dtype: options.dtype as tf.DataType | undefined,
    });
    this.dim = validated.dim;
    this.heads = validated.heads;
    this.headDim = validated.headDim;
    this.dropoutRate = validated.dropout;
    this.useBias = validated.useBias;
    this.causal = causal;
    this.complexity = traits.complexity;
    this.causalIsOption = traits.causal === 'option';
    this.supportsMasking = true;
  }

  /** Same as `causal` (the name the layers with a `causal` option used first). */
  get isCausal(): boolean {
    return this.causal;
  }

  /** The class name used in messages and serialisation. */
  protected get layerClass(): string {
    return (this.constructor as unknown as { className?: string }).className ?? this.constructor.name;
  }

  /** Validates the build-time shape; subclasses call `super.build(inputShape)` after adding their weights. */
  override build(inputShape: Shape | Shape[]): void {
    const shape = firstShape(inputShape);
    if (shape.length !== 3) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': input must have rank 3 [batch, seq, dim], got shape [${shape.join(', ')}]`,
      );
    }
    if (shape[2] !== null && shape[2] !== this.dim) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': input last axis must equal dim = ${this.dim}, got ${shape[2]}`,
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...firstShape(inputShape)];
  }

  /** Passes the input's padding mask through to the next layer. */
  override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor {
    // tfjs treats a null mask as "no mask"; the base signature does not say so.
    if (Array.isArray(inputs) && inputs.length > 1) return inputs[1]!;
    return (Array.isArray(mask) ? mask[0] : mask) as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const { x, mask } = this.unpackInputs(inputs, kwargs);
      const [batch, seq] = x.shape;
      // An empty batch or sequence: nothing to attend over (wasm kernels divide by these sizes).
      if (batch === 0 || seq === 0) return tf.zeros([batch, seq, this.dim]) as tf.Tensor3D;
      return this.attend(x, mask, kwargs?.training === true);
    });
  }

  /** Subclasses: the attention itself. Runs inside `tidy`; `x` is [batch, seq, dim]; `mask` is [batch, seq] or absent. */
  protected abstract attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D;

  /** Checks rank, width and mask, naming the layer, the argument, what was expected and what was given. */
  protected unpackInputs(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Kwargs | undefined,
  ): { x: tf.Tensor3D; mask?: tf.Tensor2D } {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length === 0 || list.length > 2) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': expected inputs x or [x, mask], got a list of ${list.length} tensors`,
      );
    }
    const x = list[0]!;
    const label = `${this.layerClass} '${this.name}'`;
    if (x.rank !== 3) {
      throw new RangeError(
        `${label}: argument 'inputs' must have rank 3 [batch, seq, dim], got shape [${x.shape.join(', ')}]`,
      );
    }
    if (x.shape[2] !== this.dim) {
      throw new RangeError(
        `${label}: argument 'inputs' last axis must equal dim = ${this.dim}, got shape [${x.shape.join(', ')}]`,
      );
    }
    if (x.dtype !== 'float32') {
      throw new TypeError(`${label}: argument 'inputs' must be float32, got ${x.dtype}`);
    }
    const rawMask = list[1] ?? (kwargs?.mask as tf.Tensor | tf.Tensor[] | undefined);
    const maskTensor = Array.isArray(rawMask) ? rawMask[0] : rawMask;
    if (maskTensor == null) return { x: x as tf.Tensor3D };
    const [batch, seq] = (x as tf.Tensor3D).shape;
    validateMask(maskTensor, batch, seq, label);
    validateMaskValues(maskTensor, label);
    const mask = tf.cast(maskTensor, 'float32') as tf.Tensor2D;
    // Select, not multiply: NaN·0 is NaN, so a product would let a padded token's NaN or Infinity through.
    const real = tf.broadcastTo(tf.expandDims(tf.cast(mask, 'bool'), 2), x.shape);
    const clean = tf.where(real, x, tf.zerosLike(x)) as tf.Tensor3D;
    return { x: clean, mask };
  }

  /**
   * The subclass's positive-integer option `key` from `options`, or `fallback` when it is not given (no fallback: the
   * option is required).
   * @throws RangeError naming the layer class, the option, what it is (`what`) and the value given.
   */
  protected positiveIntegerOption<K extends string>(
    options: { [key in K]?: unknown },
    key: K,
    what: string,
    fallback?: number,
  ): number {
    const value = options[key] ?? fallback;
    if (!isPositiveInteger(value)) {
      throw new RangeError(
        `${this.layerClass}: option '${key}' must be a positive integer (${what}), got ${String(value)}`,
      );
    }
    return value;
  }

  /** Applies dropout only in training and only when the rate is non-zero. */
  protected maybeDropout<T extends tf.Tensor>(t: T, training: boolean): T {
    return training && this.dropoutRate > 0 ? (tf.dropout(t, this.dropoutRate) as T) : t;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      heads: this.heads,
      dropout: this.dropoutRate,
      useBias: this.useBias,
      ...(this.causalIsOption ? { causal: this.causal } : {}),
    };
  }
}

/** The `causal` option of a layer whose causality is an option: a boolean, default false. */
function causalOption(value: unknown, layerClass: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${layerClass}: option 'causal' must be a boolean, got ${String(value)}`);
  }
  return value ?? false;
}

function firstShape(inputShape: Shape | Shape[]): Shape {
  if (Array.isArray(inputShape[0])) return inputShape[0] as Shape;
  return inputShape as Shape;
}
