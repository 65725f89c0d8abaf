import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { firstShape, layerWithOptions, orDefault, type Shape } from './model-layer.js';
import { checkTokenIds } from '../util/token-ids.js';
import { requirePositiveInteger, requirePositiveNumber } from '../util/validation.js';

export interface TokenEmbeddingOptions {
  /** Number of token ids (ids must lie in [0, vocabSize)). */
  vocabSize: number;
  /** Embedding width C. */
  dim: number;
  /** Standard deviation of the normal initialiser (GPT-2 / LRA use 0.02). */
  initStddev?: number;
  name?: string;
  trainable?: boolean;
}

/**
 * Row lookup `table[ids]` whose gradient is a one-hot matMul, `oneHot(ids)ᵀ·dy`, instead of tfjs's Gather gradient:
 * the wasm backend has no UnsortedSegmentSum kernel, which the stock gradient needs.
 *
 * Memory of the backward pass: a [tokens, vocabSize] one-hot matrix (tokens = batch·length). That is nothing for
 * LRA vocabularies (≤ 257) but for a 50k vocabulary and 8k tokens it is 400M floats (1.6 GB) — the same size as the
 * language model's logits, so a model that can hold its logits can hold this too. The forward pass is a plain gather.
 */
const lookupWithDenseGradient = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [ids, table, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const [vocabSize, dim] = table.shape as [number, number];
  const flat = tf.cast(tf.reshape(ids, [-1]), 'int32');
  const rows = tf.gather(table, flat);
  save([ids]);
  return {
    value: tf.reshape(rows, [...ids.shape, dim]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const savedIds = saved[0]!;
      const oneHot = tf.cast(tf.oneHot(tf.cast(tf.reshape(savedIds, [-1]), 'int32'), vocabSize), 'float32');
      const dTable = tf.matMul(oneHot as tf.Tensor2D, tf.reshape(dy, [-1, dim]) as tf.Tensor2D, true, false);
      return [tf.zerosLike(savedIds), dTable];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]);

/** `table[ids]` for ids of any shape (int32 or float32 holding integers): result shape [...ids.shape, dim]. */
export function embeddingLookup(ids: tf.Tensor, table: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => lookupWithDenseGradient(tf.cast(ids, 'float32'), table));
}

/**
 * Token embedding E [vocabSize, dim] with a wasm-safe gradient (see `embeddingLookup`).
 *
 * Two modes, chosen by the input rank, so that ONE layer (one weight) serves as both ends of a language model with
 * a tied head (the same layer applied twice in the functional graph; save/load keeps the sharing):
 * - ids [B, L] (int32, or float32 holding integers) → embeddings [B, L, dim]; ids outside [0, vocabSize), fractional
 *   or NaN ids throw a RangeError naming `token_ids` and the vocabulary size (see `checkTokenIds`);
 * - hidden states [B, L, dim] → logits h·Eᵀ [B, L, vocabSize].
 */
export class TokenEmbedding extends layerWithOptions({
  vocabSize: requirePositiveInteger,
  dim: requirePositiveInteger,
  initStddev: orDefault(requirePositiveNumber, 0.02),
}) {
  static className = 'TokenEmbedding';

  constructor(options: TokenEmbeddingOptions) {
    super(options);
  }

  protected override weightSpecs() {
    const initializer = tfl.initializers.randomNormal({ mean: 0, stddev: this.initStddev });
    return { embeddings: { shape: [this.vocabSize, this.dim], initializer } };
  }

  /** The embedding matrix E [vocabSize, dim] (the live variable: do not dispose). */
  get embeddings(): tf.Tensor2D {
    if (!this.built) throw new Error(`TokenEmbedding '${this.name}': not built yet`);
    return this.weight('embeddings') as tf.Tensor2D;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = firstShape(inputShape);
    if (shape.length === 3) return [shape[0]!, shape[1]!, this.vocabSize];
    return [...shape, this.dim];
  }

  protected override forward(x: tf.Tensor): tf.Tensor {
    if (x.rank === 3) {
      if (x.shape[2] !== this.dim) {
        throw new RangeError(
          `TokenEmbedding '${this.name}': hidden states (tied output head) must have last axis dim = ${this.dim}, ` +
            `got shape [${x.shape.join(', ')}]`,
        );
      }
      const [batch, seq] = x.shape as [number, number, number];
      const flat = tf.reshape(tf.cast(x, 'float32'), [batch * seq, this.dim]) as tf.Tensor2D;
      return tf.reshape(tf.matMul(flat, this.embeddings, false, true), [batch, seq, this.vocabSize]);
    }
    if (x.rank !== 2) {
      throw new RangeError(
        `TokenEmbedding '${this.name}': input must be token ids [batch, length] or hidden states ` +
          `[batch, length, ${this.dim}], got shape [${x.shape.join(', ')}]`,
      );
    }
    checkTokenIds(x, this.vocabSize, `TokenEmbedding '${this.name}'`);
    return embeddingLookup(x, this.embeddings);
  }
}

tf.serialization.registerClass(TokenEmbedding);
