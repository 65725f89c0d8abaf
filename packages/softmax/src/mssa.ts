import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  AttentionLayer,
  denseTokens,
  keyMaskBias,
  mergeHeads,
  splitHeads,
  type AttentionOptions,
} from '@tost/attention';
import { scaledDotProductAttention } from './softmax-attention.js';

type LayerVariable = tfl.LayerVariable;

/**
 * CRATE's multi-head subspace self-attention (spec crate.md, "MSSA"): ONE bias-free projection W = X·U serves as
 * query, key and value; per head softmax(W·Wᵀ/sqrt(p))·W; heads merged; output projection with bias.
 * Weights: qkv kernel [dim, dim], output kernel [dim, dim], output bias [dim]. As in the reference code the output
 * projection is omitted when heads = 1 (then p = dim), leaving only the qkv kernel.
 */
export class MSSA extends AttentionLayer {
  static className = 'MSSA';
  private qkvKernel?: LayerVariable;
  private outputKernel?: LayerVariable;
  private outputBias?: LayerVariable;

  constructor(options: AttentionOptions) {
    if (options?.useBias === true) {
      throw new RangeError(
        `MSSA: option 'useBias' cannot be true: the shared projection has no bias (spec crate.md)`,
      );
    }
    super({ ...options, useBias: false }, { useBias: false });
  }

  get causal(): boolean {
    return false;
  }

  get complexity(): 'quadratic' {
    return 'quadratic';
  }

  /** Whether there is an output projection (all but the single-head case). */
  get projectsOut(): boolean {
    return this.heads > 1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.dim;
    this.qkvKernel = this.addWeight('qkv_kernel', [d, d], 'float32', tfl.initializers.glorotUniform({}));
    if (this.projectsOut) {
      this.outputKernel = this.addWeight(
        'output_kernel',
        [d, d],
        'float32',
        tfl.initializers.glorotUniform({}),
      );
      this.outputBias = this.addWeight('output_bias', [d], 'float32', tfl.initializers.zeros());
    }
    super.build(inputShape);
  }

  protected attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    const w = splitHeads(denseTokens(x, this.qkvKernel!.read() as tf.Tensor2D), this.heads);
    const q = tf.mul(w, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    const context = scaledDotProductAttention(q, w, w, {
      keyBias: mask ? keyMaskBias(mask) : undefined,
      ...(training && this.dropoutRate > 0
        ? { dropout: (a: tf.Tensor4D) => this.maybeDropout(a, training) }
        : {}),
    });
    const merged = mergeHeads(context);
    if (!this.projectsOut) return merged;
    return denseTokens(
      merged,
      this.outputKernel!.read() as tf.Tensor2D,
      this.outputBias!.read() as tf.Tensor1D,
    );
  }
}

tf.serialization.registerClass(MSSA);
