import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  type AttentionOptions,
  type LayerBaseArgs,
  type ProjectedHeads,
} from '@tost/attention';
import { finiteOrZero } from '@tost/ops';
import { sigmoidAttention } from './sigmoid-core.js';

export interface SigmoidAttentionOptions extends AttentionOptions {
  /** Token t attends only to tokens ≤ t (default false). */
  causal?: boolean;
  /**
   * A constant score bias b for every sample. Default: b = −ln n with n the number of real tokens of the sample
   * (the paper's choice, which keeps the total attention weight of a query near 1 at initialisation).
   */
  bias?: number;
}

/**
 * Sigmoid self-attention (Ramapuram et al., "Theory, Analysis, and Best Practices for Sigmoid Self-Attention",
 * arXiv 2409.04431, §3): `O_i = Σ_j sigmoid(q_i·k_j/√p + b) v_j` over the real keys j (j ≤ i when causal) — each
 * weight on its own, no softmax normalisation across keys — with b = −ln n (n = real tokens of the sample) or the
 * constant `bias`. Time and memory O(N²) per head, like softmax attention.
 *
 * Input [batch, seq, dim] → output [batch, seq, dim]. Weights (tfjs layout [in, out]): query, key, value and output
 * kernels [dim, dim], each followed by its bias [dim] when `useBias` (default true). `dropout` applies after the
 * output projection (training only).
 *
 * @throws RangeError for a non-finite or non-numeric `bias` or a non-boolean `causal` (and the common option errors).
 */
export class SigmoidAttention extends ProjectedAttention {
  static className = 'SigmoidAttention';
  static override readonly traits = { causal: 'option', complexity: 'quadratic', useBias: true } as const;
  static override optionNames: readonly string[] = ['causal', 'bias'];
  /** The constant bias, or undefined for b = −ln n. */
  readonly fixedBias: number | undefined;

  constructor(options: SigmoidAttentionOptions & LayerBaseArgs) {
    super(options);
    if (options.bias != null && (typeof options.bias !== 'number' || !Number.isFinite(options.bias))) {
      throw new RangeError(
        `SigmoidAttention: option 'bias' must be a finite number (a constant score bias; omit it for b = −ln n), ` +
          `got ${typeof options.bias === 'string' ? JSON.stringify(options.bias) : String(options.bias)}`,
      );
    }
    this.fixedBias = options.bias ?? undefined;
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    const [batch, , seq] = heads.query!.shape;
    // Scale q, not the [N, N] scores: N·C multiplies instead of N².
    const q = tf.mul(heads.query!, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    // Future tokens (causal) may hold anything: zero non-finite keys and values so 0·NaN cannot reach earlier outputs.
    const k = this.causal ? finiteOrZero(heads.key!) : heads.key!;
    const v = this.causal ? finiteOrZero(heads.value!) : heads.value!;
    let bias: tf.Tensor1D;
    if (this.fixedBias !== undefined) bias = tf.fill([batch], this.fixedBias);
    else if (mask) bias = tf.neg(tf.log(tf.maximum(tf.sum(mask, 1), 1))) as tf.Tensor1D;
    else bias = tf.fill([batch], -Math.log(seq));
    return sigmoidAttention(q, k, v, { bias, keyMask: mask, causal: this.causal });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...(this.fixedBias !== undefined ? { bias: this.fixedBias } : {}),
    };
  }
}

tf.serialization.registerClass(SigmoidAttention);
