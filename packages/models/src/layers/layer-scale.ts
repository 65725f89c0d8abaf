import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

export interface LayerScaleOptions {
  dim: number;
  /** Initial γ (ToST, arXiv 2412.17810: 1.0 for ≤ 12 layers, 1e-5 deeper and in the language model); see `defaultLayerScale`. */
  init: number;
  name?: string;
}

type Shape = (number | null)[];

/** The ToST rule for γ's initial value: 1.0 for models of ≤ 12 layers, 1e-5 for deeper ones. */
export function defaultLayerScale(depth: number): number {
  return depth <= 12 ? 1.0 : 1e-5;
}

/** Per-channel learned scale of a residual branch: x [..., C] → γ ⊙ x. */
export class LayerScale extends tfl.layers.Layer {
  static className = 'LayerScale';
  readonly dim: number;
  readonly init: number;
  private gamma?: tfl.LayerVariable;

  constructor(options: LayerScaleOptions) {
    super({ name: options?.name });
    this.dim = requirePositiveInteger('LayerScale', 'dim', options?.dim);
    this.init = requirePositiveNumber('LayerScale', 'init', options?.init);
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.gamma = this.addWeight(
      'gamma',
      [this.dim],
      'float32',
      tfl.initializers.constant({ value: this.init }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (x.shape[x.rank - 1] !== this.dim) {
        throw new RangeError(
          `LayerScale '${this.name}': input last axis must be ${this.dim}, got shape [${x.shape.join(', ')}]`,
        );
      }
      return tf.mul(x, this.gamma!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, init: this.init };
  }
}

tf.serialization.registerClass(LayerScale);
