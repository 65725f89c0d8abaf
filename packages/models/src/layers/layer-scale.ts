import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerWithOptions } from './model-layer.js';
import { requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

export interface LayerScaleOptions {
  dim: number;
  /** Initial γ (ToST, arXiv 2412.17810: 1.0 for ≤ 12 layers, 1e-5 deeper and in the language model); see `defaultLayerScale`. */
  init: number;
  name?: string;
}

/** The ToST rule for γ's initial value: 1.0 for models of ≤ 12 layers, 1e-5 for deeper ones. */
export function defaultLayerScale(depth: number): number {
  return depth <= 12 ? 1.0 : 1e-5;
}

/** Per-channel learned scale of a residual branch: x [..., C] → γ ⊙ x. */
export class LayerScale extends layerWithOptions({
  dim: requirePositiveInteger,
  init: requirePositiveNumber,
}) {
  static className = 'LayerScale';

  constructor(options: LayerScaleOptions) {
    super(options);
  }

  protected override weightSpecs() {
    return { gamma: { shape: [this.dim], initializer: tfl.initializers.constant({ value: this.init }) } };
  }

  protected override forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.dim) throw this.inputError(`input last axis must be ${this.dim}`, x);
    return tf.mul(x, this.weight('gamma'));
  }
}

tf.serialization.registerClass(LayerScale);
