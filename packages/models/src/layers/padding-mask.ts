import * as tf from '@tensorflow/tfjs-core';
import { firstShape, layerWithOptions, type Shape } from './model-layer.js';

export interface PaddingMaskOptions {
  /** Also emit a leading 1 for a CLS token prepended by `ClsToken` ([B, L] → [B, L + 1]). */
  prependCls?: boolean;
  /**
   * The id that marks padding (default 0). `null` = the input has no padding (fixed-length pixels, where 0 is a real
   * grey value): the mask is all ones.
   */
  padId?: number | null;
  name?: string;
}

function requirePrependCls(owner: string, option: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${owner}: option '${option}' must be a boolean, got ${String(value)}`);
  }
  return value ?? false;
}

function requirePadId(owner: string, option: string, value: unknown): number | null {
  const padId = value === undefined ? 0 : value;
  if (padId !== null && !(typeof padId === 'number' && Number.isInteger(padId) && padId >= 0)) {
    throw new TypeError(
      `${owner}: option '${option}' must be a non-negative integer or null (no padding), got ${String(padId)}`,
    );
  }
  return padId;
}

/** Token ids [B, L] → float32 padding mask [B, L] (1 = token, 0 = pad id): the attention's second input. */
export class PaddingMask extends layerWithOptions({
  prependCls: requirePrependCls,
  padId: requirePadId,
}) {
  static className = 'PaddingMask';

  constructor(options: PaddingMaskOptions = {}) {
    super(options);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    const length = shape[1] ?? null;
    return [shape[0]!, this.prependCls && length != null ? length + 1 : length];
  }

  protected override forward(ids: tf.Tensor): tf.Tensor {
    if (ids.rank !== 2) {
      throw new RangeError(
        `PaddingMask '${this.name}': input must be token ids [batch, length], got shape [${ids.shape.join(', ')}]`,
      );
    }
    const mask =
      this.padId === null
        ? tf.ones(ids.shape, 'float32')
        : tf.cast(tf.notEqual(ids, tf.scalar(this.padId, ids.dtype)), 'float32');
    return this.prependCls ? tf.concat([tf.ones([ids.shape[0], 1]), mask], 1) : mask;
  }
}

tf.serialization.registerClass(PaddingMask);
