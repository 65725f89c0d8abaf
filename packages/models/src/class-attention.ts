import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { denseTokens, mergeHeads, splitHeads, validateMask } from '@tost/attention';
import { scaledDotProductAttention } from '@tost/softmax';
import { requireDivides, requirePositiveInteger, requireRate } from './validation.js';

export interface ClassAttentionOptions {
  dim: number;
  heads: number;
  /** Dropout on the attention weights (training only). */
  dropout?: number;
  name?: string;
}

type Shape = (number | null)[];

/**
 * XCiT/ToST class attention: softmax attention in which ONLY the first (CLS) token is a query; keys and values are
 * all tokens. Cost O(N·C²) for the projections and O(N·C) for the scores: linear in N.
 * Inputs x [B, N, C] or [x, mask [B, N]] → the CLS update [B, 1, C].
 * Weights: query/key/value/output kernels [C, C] with biases (= XCiT's qkv Linear(C, 3C) + proj Linear(C, C)).
 */
export class ClassAttention extends tfl.layers.Layer {
  static className = 'ClassAttention';
  readonly dim: number;
  readonly heads: number;
  readonly dropoutRate: number;
  private kernels: tfl.LayerVariable[] = [];
  private biases: tfl.LayerVariable[] = [];

  constructor(options: ClassAttentionOptions) {
    super({ name: options?.name });
    this.dim = requirePositiveInteger('ClassAttention', 'dim', options?.dim);
    this.heads = requirePositiveInteger('ClassAttention', 'heads', options?.heads);
    requireDivides('ClassAttention', this.heads, this.dim);
    this.dropoutRate = requireRate('ClassAttention', 'dropout', options?.dropout);
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.kernels = [];
    this.biases = [];
    for (const part of ['query', 'key', 'value', 'output']) {
      this.kernels.push(
        this.addWeight(`${part}_kernel`, [this.dim, this.dim], 'float32', tfl.initializers.glorotUniform({})),
      );
      this.biases.push(this.addWeight(`${part}_bias`, [this.dim], 'float32', tfl.initializers.zeros()));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0]!, 1, this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = list[0]! as tf.Tensor3D;
      if (x.rank !== 3 || x.shape[2] !== this.dim) {
        throw new RangeError(
          `ClassAttention '${this.name}': input must be [batch, tokens, ${this.dim}], got [${x.shape.join(', ')}]`,
        );
      }
      const [batch, tokens] = x.shape;
      const mask = list[1];
      if (mask) validateMask(mask, batch, tokens, `ClassAttention '${this.name}'`);
      const k = this.kernels.map((v) => v.read() as tf.Tensor2D);
      const b = this.biases.map((v) => v.read() as tf.Tensor1D);
      const cls = tf.slice(x, [0, 0, 0], [batch, 1, this.dim]) as tf.Tensor3D;
      const headDim = this.dim / this.heads;
      const q = tf.mul(splitHeads(denseTokens(cls, k[0]!, b[0]), this.heads), 1 / Math.sqrt(headDim));
      const keys = splitHeads(denseTokens(x, k[1]!, b[1]), this.heads);
      const values = splitHeads(denseTokens(x, k[2]!, b[2]), this.heads);
      const training = kwargs?.training === true && this.dropoutRate > 0;
      const context = scaledDotProductAttention(q as tf.Tensor4D, keys, values, {
        keyMask: mask ? (tf.cast(mask, 'float32') as tf.Tensor2D) : undefined,
        dropout: training ? (a) => tf.dropout(a, this.dropoutRate) as tf.Tensor4D : undefined,
      });
      return denseTokens(mergeHeads(context), k[3]!, b[3]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, heads: this.heads, dropout: this.dropoutRate };
  }
}

tf.serialization.registerClass(ClassAttention);
