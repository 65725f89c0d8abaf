import * as tf from '@tensorflow/tfjs-core';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { layerWithOptions, type Shape } from './model-layer.js';
import { requireOneOf } from '../util/validation.js';

export type PairCombine = 'concat' | 'concat-product-difference';

/** Two document vectors u, v [B, C] → [u, v] [B, 2C] or [u, v, u⊙v, u−v] [B, 4C] (LRA Retrieval's head input). */
export class PairCombination extends layerWithOptions({
  mode: (owner, option, value) =>
    requireOneOf(owner, option, value, ['concat', 'concat-product-difference'] as const),
}) {
  static className = 'PairCombination';

  constructor(options: { mode: PairCombine; name?: string }) {
    super(options);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (inputShape as Shape[])[0]!;
    const width = shape[1] == null ? null : shape[1] * (this.mode === 'concat' ? 2 : 4);
    return [shape[0]!, width];
  }

  protected override forward(_x: tf.Tensor, _kwargs: Kwargs, inputs: tf.Tensor[]): tf.Tensor {
    if (inputs.length !== 2) {
      throw new RangeError(`PairCombination '${this.name}': expected two inputs [u, v]`);
    }
    const [u, v] = inputs as [tf.Tensor, tf.Tensor];
    if (u.shape[0] !== v.shape[0]) {
      throw new RangeError(
        `PairCombination '${this.name}': both documents need the same batch size, got ${u.shape[0]} and ${v.shape[0]}`,
      );
    }
    if (this.mode === 'concat') return tf.concat([u, v], 1);
    return tf.concat([u, v, tf.mul(u, v), tf.sub(u, v)], 1);
  }
}

tf.serialization.registerClass(PairCombination);
