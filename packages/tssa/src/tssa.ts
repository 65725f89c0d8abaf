import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  ProjectedAttention,
  RATE_REDUCTION_PROJECTIONS,
  headTokenMask,
  type AttentionCallKwargs,
  type AttentionOptions,
  type ProjectedHeads,
  type RateReductionAttention,
  type RateReductionIntermediates,
} from '@tost/attention';
import { tssaCore, tssaCoreWithMembership } from './tssa-core.js';
import type { TssaCoreResult } from './core-inputs.js';

/** Options of `TSSA`: the shared attention options (`useBias` defaults to true, as in the ToST presets). */
export type TSSAOptions = AttentionOptions;

/**
 * Token Statistics Self-Attention (Wu et al., "Token Statistics Transformer", ICLR 2025, arXiv 2412.17810, §3): ONE projection W = X·U + u, a soft membership
 * Π of every token over the heads, and a per-head, per-channel gain from the Π-weighted second moment of the
 * projected tokens. Linear in the sequence length: no N×N matrix.
 *
 * Weights, in order: `qkv_kernel` [dim, dim], `qkv_bias` [dim] (only when `useBias`), `temperature` [heads, 1]
 * (init 1), `output_kernel` [dim, dim], `output_bias` [dim]. Kernels in the tfjs layout [in, out].
 *
 * Padding: padded tokens are zeroed after the projection, so they take no part in the column norms, Π's statistics
 * or the second moment; the attention output there is 0, so the layer output at a padded token is the output bias.
 * Their reported membership Π is 0.
 *
 * Dropout (training only): on the gain g (step 6) and after the output projection (step 8).
 */
export class TSSA extends ProjectedAttention implements RateReductionAttention<'tssa'> {
  static className = 'TSSA';
  static override readonly traits = { causal: false, complexity: 'linear', useBias: true } as const;
  static override readonly projections = RATE_REDUCTION_PROJECTIONS;
  /** The rate-reduction step this layer takes, for @tost/analysis (membership Π, variational compression). */
  readonly rateReductionKind = 'tssa';
  private temperature?: tfl.LayerVariable;

  protected override buildCoreWeights(): void {
    this.temperature = this.addCoreWeight('temperature', [this.heads, 1], 'ones');
  }

  /** The generic path (heads split as [B, H, N, p]); `attend` takes the transpose-free one below. */
  protected attendProjected(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor4D {
    const w = mask ? (tf.mul(heads.qkv!, headTokenMask(mask)) as tf.Tensor4D) : heads.qkv!;
    const [batch, h, , p] = w.shape;
    return tssaCore(w, this.temperature!.read() as tf.Tensor2D, {
      mask,
      gainScale: this.gainDropout([batch, h, 1, p], training),
    });
  }

  /**
   * Step 1 to 8 without any [N, C]-sized transpose: the projection [B, N, C] is viewed as [B, N, H, p] (head k owns
   * channels k·p … k·p+p−1, as `splitHeads`) and the core runs in that 'tokens-first' layout.
   */
  protected override attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    const w = this.projectTokensFirst(x, mask);
    const y = tssaCore(w, this.temperature!.read() as tf.Tensor2D, {
      mask,
      gainScale: this.gainDropout([w.shape[0], 1, this.heads, this.headDim], training),
      layout: 'tokens-first',
    });
    return this.projectOutput(tf.reshape(y, x.shape) as tf.Tensor3D, training);
  }

  /**
   * Forward pass that also returns the membership Π [batch, heads, seq] (Σ over heads = 1 at real tokens, 0 at
   * padded ones). Same inputs, validation and dropout as `apply`; both outputs are differentiable. The layer must be
   * built (by `build` or a first `apply`).
   */
  callAndReturnIntermediates(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: AttentionCallKwargs = {},
  ): RateReductionIntermediates['tssa'] {
    return this.withMembership('callAndReturnIntermediates', inputs, kwargs);
  }

  /** `callAndReturnIntermediates` as a pair [output, membership]. */
  callAndReturnMembership(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: AttentionCallKwargs = {},
  ): [tf.Tensor3D, tf.Tensor3D] {
    const { output, membership } = this.withMembership('callAndReturnMembership', inputs, kwargs);
    return [output, membership];
  }

  private withMembership(
    method: string,
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: AttentionCallKwargs,
  ): RateReductionIntermediates['tssa'] {
    this.assertBuilt(method);
    return tf.tidy(() => {
      const { x, mask } = this.unpackInputs(inputs, { ...kwargs });
      const training = kwargs.training === true;
      const w = this.projectTokensFirst(x, mask);
      const { output, membership }: TssaCoreResult = tssaCoreWithMembership(
        w,
        this.temperature!.read() as tf.Tensor2D,
        {
          mask,
          gainScale: this.gainDropout([w.shape[0], 1, this.heads, this.headDim], training),
          layout: 'tokens-first',
        },
      );
      return { output: this.projectOutput(tf.reshape(output, x.shape) as tf.Tensor3D, training), membership };
    });
  }

  /** Step 1: W = X·U + u as [B, N, H, p] (a free reshape), zeroed at padded tokens (they hold only the bias). */
  private projectTokensFirst(x: tf.Tensor3D, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    const [batch, seq] = x.shape;
    const w = tf.reshape(this.project('qkv', x), [batch, seq, this.heads, this.headDim]) as tf.Tensor4D;
    return mask ? (tf.mul(w, tf.reshape(mask, [batch, seq, 1, 1])) as tf.Tensor4D) : w;
  }

  /** Step 6's attention dropout as a multiplier of the gain (shape of one token's gain), or undefined when inactive. */
  private gainDropout(shape: [number, number, number, number], training: boolean): tf.Tensor4D | undefined {
    if (!training || this.dropoutRate === 0) return undefined;
    return this.maybeDropout(tf.ones(shape) as tf.Tensor4D, training);
  }
}

tf.serialization.registerClass(TSSA);
