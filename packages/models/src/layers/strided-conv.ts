import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { firstShape, layerWithOptions, type Shape } from './model-layer.js';
import { requirePositiveInteger } from '../util/validation.js';

export interface StridedConv3x3Options {
  /** Input and output channels. */
  inChannels: number;
  filters: number;
  name?: string;
}

/**
 * 3×3 convolution, stride 2, zero padding 1, no bias (XCiT's `conv3x3`, followed by batch-norm in the stem):
 * [B, H, W, Cin] → [B, H/2, W/2, Cout] for even H, W.
 *
 * Written as im2col + one matMul because the wasm backend has no Conv2DBackpropFilter kernel, so `tf.conv2d` cannot
 * be trained there. The nine taps come from even/odd phase slices of the padded image (rank ≤ 4 slices only).
 * The kernel is stored in the standard conv layout [3, 3, Cin, Cout].
 */
export class StridedConv3x3 extends layerWithOptions({
  inChannels: requirePositiveInteger,
  filters: requirePositiveInteger,
}) {
  static className = 'StridedConv3x3';

  constructor(options: StridedConv3x3Options) {
    super(options);
  }

  protected override weightSpecs() {
    return {
      kernel: { shape: [3, 3, this.inChannels, this.filters], initializer: tfl.initializers.heNormal({}) },
    };
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w] = firstShape(inputShape);
    return [b!, h == null ? null : h / 2, w == null ? null : w / 2, this.filters];
  }

  protected override forward(input: tf.Tensor): tf.Tensor {
    const x = input as tf.Tensor4D;
    const [batch, height, width, channels] = x.shape;
    if (x.rank !== 4 || channels !== this.inChannels || height % 2 !== 0 || width % 2 !== 0) {
      throw this.inputError(`input must be [batch, even height, even width, ${this.inChannels}]`, x);
    }
    const outH = height / 2;
    const outW = width / 2;
    const padded = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    // Row taps: padded rows 2i, 2i+1, 2i+2 = (block i, phase 0), (block i, phase 1), (block i+1, phase 0).
    const byRowPhase = tf.reshape(padded, [batch, outH + 1, 2, (width + 2) * channels]);
    const phaseTaps = (t: tf.Tensor4D, blocks: number, rest: number) =>
      [
        [0, 0],
        [0, 1],
        [1, 0],
      ].map(([offset, phase]) => tf.slice(t, [0, offset!, phase!, 0], [t.shape[0], blocks, 1, rest]));
    const rows = phaseTaps(byRowPhase as tf.Tensor4D, outH, (width + 2) * channels);
    const taps: tf.Tensor[] = [];
    for (const row of rows) {
      const byColPhase = tf.reshape(row, [batch * outH, outW + 1, 2, channels]) as tf.Tensor4D;
      for (const tap of phaseTaps(byColPhase, outW, channels))
        taps.push(tf.reshape(tap, [batch * outH * outW, channels]));
    }
    // Tap order (dy, dx, cin) matches the kernel layout [3, 3, Cin, Cout] flattened to [9·Cin, Cout].
    const patches = tf.concat(taps, 1) as tf.Tensor2D;
    const kernel = tf.reshape(this.weight('kernel'), [9 * channels, this.filters]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(patches, kernel), [batch, outH, outW, this.filters]);
  }
}

tf.serialization.registerClass(StridedConv3x3);
