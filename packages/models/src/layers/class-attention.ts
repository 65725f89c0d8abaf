import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { firstShape, layerWithOptions, type Shape } from './model-layer.js';
import { denseTokens, validateMask, validateMaskValues } from '@tost/attention';
import { maskedSoftmax } from '@tost/ops';
import { requireDivides, requirePositiveInteger, requireRate } from '../util/validation.js';

export interface ClassAttentionOptions {
  dim: number;
  heads: number;
  /** Dropout on the attention weights (training only). */
  dropout?: number;
  name?: string;
}

/** The projections, in weight order. */
const PARTS = ['query', 'key', 'value', 'output'] as const;

/**
 * XCiT/ToST class attention: softmax attention in which ONLY the first (CLS) token is a query; keys and values are
 * all tokens. Cost O(N·C²) for the projections and O(N·C) for the scores: linear in N.
 * Inputs x [B, N, C] or [x, mask [B, N]] → the CLS update [B, 1, C].
 * Weights: query/key/value/output kernels [C, C] with biases (= XCiT's qkv Linear(C, 3C) + proj Linear(C, C)).
 */
export class ClassAttention extends layerWithOptions({
  dim: requirePositiveInteger,
  heads: requirePositiveInteger,
  dropout: requireRate,
}) {
  static className = 'ClassAttention';

  constructor(options: ClassAttentionOptions) {
    super(options);
    requireDivides('ClassAttention', this.heads, this.dim);
  }

  /** The `dropout` option, under the name the attention layers use for it. */
  get dropoutRate(): number {
    return this.dropout;
  }

  protected override weightSpecs() {
    return Object.fromEntries(
      PARTS.flatMap((part) => [
        [`${part}_kernel`, { shape: [this.dim, this.dim], initializer: tfl.initializers.glorotUniform({}) }],
        [`${part}_bias`, { shape: [this.dim], initializer: tfl.initializers.zeros() }],
      ]),
    );
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    return [shape[0]!, 1, this.dim];
  }

  protected override forward(input: tf.Tensor, kwargs: Kwargs, inputs: tf.Tensor[]): tf.Tensor {
    const x = input as tf.Tensor3D;
    if (x.rank !== 3 || x.shape[2] !== this.dim) {
      throw this.inputError(`input must be [batch, tokens, ${this.dim}]`, x);
    }
    const [batch, tokens] = x.shape;
    const mask = inputs[1];
    if (mask) {
      validateMask(mask, batch, tokens, `ClassAttention '${this.name}'`);
      validateMaskValues(mask, `ClassAttention '${this.name}'`);
    }
    const k = PARTS.map((part) => this.weight(`${part}_kernel`) as tf.Tensor2D);
    const b = PARTS.map((part) => this.weight(`${part}_bias`) as tf.Tensor1D);
    const cls = tf.slice(x, [0, 0, 0], [batch, 1, this.dim]) as tf.Tensor3D;
    const headDim = this.dim / this.heads;
    // Tokens-first heads ([B, N, H, p], a free reshape of [B, N, C]: channel h·p + j is head h's j-th).
    const q = tf.reshape(tf.mul(denseTokens(cls, k[0]!, b[0]), 1 / Math.sqrt(headDim)), [
      batch,
      1,
      this.heads,
      headDim,
    ]);
    const keys = tf.reshape(denseTokens(x, k[1]!, b[1]), [batch, tokens, this.heads, headDim]);
    const values = tf.reshape(denseTokens(x, k[2]!, b[2]), [batch, tokens, this.heads, headDim]);
    // One query per head: scores and the weighted sum are elementwise products and sums, O(N·C) — no batched
    // matMul of a single row (which the wasm backend runs as one slice of the whole tensor per batch and head).
    const scores = tf.transpose(tf.sum(tf.mul(keys, q), -1), [0, 2, 1]) as tf.Tensor3D; // [B, H, N]
    let weights = mask
      ? maskedSoftmax(scores, tf.reshape(tf.cast(mask, 'bool'), [batch, 1, tokens]))
      : tf.softmax(scores);
    if (kwargs?.training === true && this.dropout > 0)
      weights = tf.dropout(weights, this.dropout) as tf.Tensor3D;
    const perToken = tf.reshape(tf.transpose(weights, [0, 2, 1]), [batch, tokens, this.heads, 1]);
    const context = tf.reshape(tf.sum(tf.mul(perToken, values), 1), [batch, 1, this.dim]) as tf.Tensor3D;
    return denseTokens(context, k[3]!, b[3]);
  }
}

tf.serialization.registerClass(ClassAttention);
