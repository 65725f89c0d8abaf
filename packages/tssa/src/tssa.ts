import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  ProjectedAttention,
  headTokenMask,
  type AttentionCallKwargs,
  type AttentionOptions,
  type ProjectedHeads,
  type ProjectionRole,
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
export class TSSA extends ProjectedAttention {
  static className = 'TSSA';
  /** The rate-reduction step this layer takes, for @tost/analysis (membership Π, variational compression). */
  static readonly rateReduction = 'tssa';
  private temperature?: tfl.LayerVariable;

  constructor(options: TSSAOptions) {
    super(options, { useBias: true });
  }

  get causal(): boolean {
    return false;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  protected override get projectionRoles(): readonly ProjectionRole[] {
    return ['qkv'];
  }

  protected override get outputBiasAlways(): boolean {
    return true;
  }

  protected override get coreWeightsBeforeOutput(): boolean {
    return true;
  }

  protected override buildCoreWeights(): void {
    this.temperature = this.addWeight('temperature', [this.heads, 1], 'float32', tfl.initializers.ones());
  }

  protected attendProjected(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor4D {
    const w = this.maskHeads(heads.qkv!, mask);
    return tssaCore(w, this.temperature!.read() as tf.Tensor2D, {
      mask,
      gainScale: this.gainDropout(w, training),
    });
  }

  /**
   * Forward pass that also returns the membership Π [batch, heads, seq] (Σ over heads = 1 at real tokens, 0 at
   * padded ones). Same inputs, validation and dropout as `apply`; both outputs are differentiable. The layer must be
   * built (by `build` or a first `apply`).
   */
  callAndReturnMembership(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: AttentionCallKwargs = {},
  ): [tf.Tensor3D, tf.Tensor3D] {
    this.assertBuilt('callAndReturnMembership');
    return tf.tidy(() => {
      const { x, mask } = this.unpackInputs(inputs, { ...kwargs });
      const training = kwargs.training === true;
      const w = this.maskHeads(this.projectHeads(x).qkv!, mask);
      const { output, membership }: TssaCoreResult = tssaCoreWithMembership(
        w,
        this.temperature!.read() as tf.Tensor2D,
        { mask, gainScale: this.gainDropout(w, training) },
      );
      return [this.projectOutput(output, training), membership];
    });
  }

  /** Step 1's padding rule: W [B, H, N, p] zeroed at padded tokens (they hold only the bias after the projection). */
  private maskHeads(w: tf.Tensor4D, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    return mask ? (tf.mul(w, headTokenMask(mask)) as tf.Tensor4D) : w;
  }

  /** Step 6's attention dropout as a multiplier of the gain [B, H, 1, p], or undefined when inactive. */
  private gainDropout(w: tf.Tensor4D, training: boolean): tf.Tensor4D | undefined {
    if (!training || this.dropoutRate === 0) return undefined;
    const [batch, heads, , p] = w.shape;
    return this.maybeDropout(tf.ones([batch, heads, 1, p]) as tf.Tensor4D, training);
  }
}

tf.serialization.registerClass(TSSA);
