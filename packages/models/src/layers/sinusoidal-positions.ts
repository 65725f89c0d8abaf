import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

type Shape = (number | null)[];

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
export class SinusoidalPositionalEncoding extends tfl.layers.Layer {
  static className = 'SinusoidalPositionalEncoding';
  readonly base: number;

  constructor(options: SinusoidalPositionalEncodingOptions = {}) {
    super({ name: options.name });
    this.base = requirePositiveNumber('SinusoidalPositionalEncoding', 'base', options.base, 10000);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (x.rank !== 3) {
        throw new RangeError(
          `SinusoidalPositionalEncoding '${this.name}': input must be [batch, length, dim], got [${x.shape.join(', ')}]`,
        );
      }
      const [, length, dim] = x.shape as [number, number, number];
      return tf.add(x, tf.tensor2d(sinusoidalTable1D(length, dim, this.base), [length, dim]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), base: this.base };
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
export class SinusoidalPositions2D extends tfl.layers.Layer {
  static className = 'SinusoidalPositions2D';
  readonly height: number;
  readonly width: number;
  readonly hiddenDim: number;

  constructor(options: SinusoidalPositions2DOptions) {
    super({ name: options?.name });
    this.height = requirePositiveInteger('SinusoidalPositions2D', 'height', options?.height);
    this.width = requirePositiveInteger('SinusoidalPositions2D', 'width', options?.width);
    this.hiddenDim = requirePositiveInteger('SinusoidalPositions2D', 'hiddenDim', options?.hiddenDim ?? 32);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0]!, this.height * this.width, 2 * this.hiddenDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const tokens = this.height * this.width;
      if (x.rank !== 3 || x.shape[1] !== tokens) {
        throw new RangeError(
          `SinusoidalPositions2D '${this.name}': input must be [batch, ${tokens} (= ${this.height}×${this.width}), dim], ` +
            `got [${x.shape.join(', ')}]`,
        );
      }
      const channels = 2 * this.hiddenDim;
      const table = tf.tensor3d(sinusoidalTable2D(this.height, this.width, this.hiddenDim), [
        1,
        tokens,
        channels,
      ]);
      return tf.add(tf.zeros([x.shape[0]!, tokens, channels]), table);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, hiddenDim: this.hiddenDim };
  }
}

tf.serialization.registerClass(SinusoidalPositionalEncoding);
tf.serialization.registerClass(SinusoidalPositions2D);
