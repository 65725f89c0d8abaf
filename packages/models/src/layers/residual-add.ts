import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { type Shape } from './model-layer.js';

/**
 * `x + branch` for a residual connection. Like tfjs's `Add`, but it does not take part in mask propagation (the
 * attention output carries the padding mask as `kerasMask`; `Add` would try to merge it), so the residual stream
 * never carries a mask.
 */
export class ResidualAdd extends tfl.layers.Layer {
  static className = 'ResidualAdd';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...(inputShape as Shape[])[0]!];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new RangeError(`ResidualAdd '${this.name}': expected two inputs [x, branch]`);
      }
      const [x, branch] = inputs as [tf.Tensor, tf.Tensor];
      if (x.shape.join() !== branch.shape.join()) {
        throw new RangeError(
          `ResidualAdd '${this.name}': x [${x.shape.join(', ')}] and branch [${branch.shape.join(', ')}] must match`,
        );
      }
      return tf.add(x, branch);
    });
  }
}

tf.serialization.registerClass(ResidualAdd);
