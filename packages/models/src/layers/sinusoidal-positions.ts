import * as tf from '@tensorflow/tfjs-core';
import { firstShape, layerWithOptions, orDefault, type Shape } from './model-layer.js';
import { requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

/**
 * Transformer sinusoids, row-major [length, dim]: PE[t, 2i] = sin(t / base^(2i/dim)), PE[t, 2i+1] = cos(same angle).
 */
export function sinusoidalTable1D(length: number, dim: number, base = 10000): Float32Array {
  const table = new Float32Array(length * dim);
  for (let t = 0; t < length; t++) {
    for (let j = 0; j < dim; j++) {
      const angle = t / Math.pow(base, (2 * Math.floor(j / 2)) / dim);
      table[t * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}

/**
 * XCiT's 2-D Fourier features (the ToST vision code's `PositionalEncodingFourier`), row-major over a
 * height × width grid: [height·width, 2·hiddenDim], channels [y features, x features]. For a coordinate
 * c ∈ {row + 1, col + 1} normalised to a = c / (extent + 1e-6) · 2π, feature j is sin(a / base^(2⌊j/2⌋/hiddenDim)) for
 * even j and cos(same) for odd j.
 */
export function sinusoidalTable2D(height: number, width: number, hiddenDim = 32, base = 10000): Float32Array {
  const channels = 2 * hiddenDim;
  const table = new Float32Array(height * width * channels);
  const feature = (a: number, j: number) => {
    const angle = a / Math.pow(base, (2 * Math.floor(j / 2)) / hiddenDim);
    return j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  };
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const ay = ((r + 1) / (height + 1e-6)) * 2 * Math.PI;
      const ax = ((c + 1) / (width + 1e-6)) * 2 * Math.PI;
      const offset = (r * width + c) * channels;
      for (let j = 0; j < hiddenDim; j++) {
        table[offset + j] = feature(ay, j);
        table[offset + hiddenDim + j] = feature(ax, j);
      }
    }
  }
  return table;
}

export interface SinusoidalPositionalEncodingOptions {
  base?: number;
  name?: string;
}

/** Adds fixed 1-D sinusoids (no weights): x [B, L, C] → x + PE[0:L]; works for any length. */
export class SinusoidalPositionalEncoding extends layerWithOptions({
  base: orDefault(requirePositiveNumber, 10000),
}) {
  static className = 'SinusoidalPositionalEncoding';

  constructor(options: SinusoidalPositionalEncodingOptions = {}) {
    super(options);
  }

  protected override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 3) {
      throw this.inputError(`input must be [batch, length, dim]`, x);
    }
    const [, length, dim] = x.shape as [number, number, number];
    return tf.add(x, tf.tensor2d(sinusoidalTable1D(length, dim, this.base), [length, dim]));
  }
}

export interface SinusoidalPositions2DOptions {
  /** Grid height and width; inputs must have height·width tokens (row-major). */
  height: number;
  width: number;
  /** Features per axis (XCiT: 32, so 64 channels out). */
  hiddenDim?: number;
  name?: string;
}

/**
 * Emits the fixed 2-D Fourier features for a token grid (no weights): x [B, H·W, *] → [B, H·W, 2·hiddenDim].
 * In ToST/XCiT they go through a 1×1 convolution (a Dense layer on tokens) and are added to the patch tokens.
 */
export class SinusoidalPositions2D extends layerWithOptions({
  height: requirePositiveInteger,
  width: requirePositiveInteger,
  hiddenDim: orDefault(requirePositiveInteger, 32),
}) {
  static className = 'SinusoidalPositions2D';

  constructor(options: SinusoidalPositions2DOptions) {
    super(options);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    return [shape[0]!, this.height * this.width, 2 * this.hiddenDim];
  }

  protected override forward(x: tf.Tensor): tf.Tensor {
    const tokens = this.height * this.width;
    if (x.rank !== 3 || x.shape[1] !== tokens) {
      throw this.inputError(`input must be [batch, ${tokens} (= ${this.height}×${this.width}), dim]`, x);
    }
    const channels = 2 * this.hiddenDim;
    const table = tf.tensor3d(sinusoidalTable2D(this.height, this.width, this.hiddenDim), [
      1,
      tokens,
      channels,
    ]);
    return tf.add(tf.zeros([x.shape[0]!, tokens, channels]), table);
  }
}

tf.serialization.registerClass(SinusoidalPositionalEncoding);
tf.serialization.registerClass(SinusoidalPositions2D);
