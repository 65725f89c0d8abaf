import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { requireOneOf } from '../util/validation.js';

export type PairCombine = 'concat' | 'concat-product-difference';

type Shape = (number | null)[];

/** Two document vectors u, v [B, C] → [u, v] [B, 2C] or [u, v, u⊙v, u−v] [B, 4C] (LRA Retrieval's head input). */
export class PairCombination extends tfl.layers.Layer {
  static className = 'PairCombination';
  readonly mode: PairCombine;

  constructor(options: { mode: PairCombine; name?: string }) {
    super({ name: options?.name });
    this.mode = requireOneOf('PairCombination', 'mode', options?.mode, [
      'concat',
      'concat-product-difference',
    ] as const);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (inputShape as Shape[])[0]!;
    const width = shape[1] == null ? null : shape[1] * (this.mode === 'concat' ? 2 : 4);
    return [shape[0]!, width];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
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
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

tf.serialization.registerClass(PairCombination);
