import * as tf from '@tensorflow/tfjs-core';
import { firstShape, layerWithOptions, type Shape } from './model-layer.js';
import { requirePositiveInteger } from '../util/validation.js';

export interface PatchExtractionOptions {
  patchSize: number;
  name?: string;
}

/**
 * Image [B, H, W, Ch] → non-overlapping patches [B, (H/P)·(W/P), P·P·Ch], patches row-major, each patch flattened as
 * (row in patch, column in patch, channel) — CRATE's `b c (h p1) (w p2) -> b (h w) (p1 p2 c)`. Reshapes and one
 * rank-4 transpose only.
 */
export class PatchExtraction extends layerWithOptions({
  patchSize: requirePositiveInteger,
}) {
  static className = 'PatchExtraction';

  constructor(options: PatchExtractionOptions) {
    super(options);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = firstShape(inputShape);
    const p = this.patchSize;
    const tokens = h == null || w == null ? null : (h / p) * (w / p);
    return [b!, tokens, c == null ? null : p * p * c];
  }

  protected override forward(input: tf.Tensor): tf.Tensor {
    const x = input as tf.Tensor4D;
    const p = this.patchSize;
    const [batch, height, width, channels] = x.shape;
    if (x.rank !== 4 || height % p !== 0 || width % p !== 0) {
      throw this.inputError(
        `input must be [batch, height, width, channels] with height and width multiples of patchSize = ${p}`,
        x,
      );
    }
    const gridH = height / p;
    const gridW = width / p;
    const byPatchRow = tf.reshape(x, [batch * gridH, p, gridW, p * channels]);
    const grouped = tf.transpose(byPatchRow, [0, 2, 1, 3]); // [B·gridH, gridW, p, p·Ch]
    return tf.reshape(grouped, [batch, gridH * gridW, p * p * channels]);
  }
}

tf.serialization.registerClass(PatchExtraction);
