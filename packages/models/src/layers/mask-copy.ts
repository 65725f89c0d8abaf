import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { firstShape, type Shape } from './model-layer.js';

/**
 * A private copy of the padding mask for one attention layer.
 *
 * Why: an AttentionLayer passes its mask input on as its output's `kerasMask`, and tfjs-core 4.22's
 * `Tensor.dispose()` also disposes the `kerasMask`. When tfjs-layers' executor frees the attention output during
 * inference, the model's shared padding mask would go with it and the next block (or the pooling) would read a
 * disposed tensor. With a copy per attention, only the copy goes.
 */
export class MaskCopy extends tfl.layers.Layer {
  static className = 'MaskCopy';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...firstShape(inputShape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.clone(Array.isArray(inputs) ? inputs[0]! : inputs);
  }
}

tf.serialization.registerClass(MaskCopy);
