import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  AttentionLayer,
  denseTokens,
  headTokenMask,
  mergeHeads,
  splitHeads,
  type AttentionCallKwargs,
  type AttentionOptions,
} from '@tost/attention';
import { tssaCore, tssaCoreWithMembership } from './tssa-core.js';
import type { TssaCoreResult } from './core-inputs.js';

/** Options of `TSSA`: the shared attention options (`useBias` defaults to true, as in the ToST presets). */
export type TSSAOptions = AttentionOptions;

type LayerVariable = tfl.LayerVariable;

/**
 * Token Statistics Self-Attention (spec tssa.md, Wu et al., ICLR 2025): ONE projection W = X·U + u, a soft membership
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
export class TSSA extends AttentionLayer {
  static className = 'TSSA';
  private qkvKernel?: LayerVariable;
  private qkvBias?: LayerVariable;
  private temperature?: LayerVariable;
  private outputKernel?: LayerVariable;
  private outputBias?: LayerVariable;

  constructor(options: TSSAOptions) {
    super(options, { useBias: true });
  }

  get causal(): boolean {
    return false;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.dim;
    const kernel = () => tfl.initializers.glorotUniform({});
    this.qkvKernel = this.addWeight('qkv_kernel', [d, d], 'float32', kernel());
    if (this.useBias) {
      this.qkvBias = this.addWeight('qkv_bias', [d], 'float32', tfl.initializers.zeros());
    }
    this.temperature = this.addWeight('temperature', [this.heads, 1], 'float32', tfl.initializers.ones());
    this.outputKernel = this.addWeight('output_kernel', [d, d], 'float32', kernel());
    this.outputBias = this.addWeight('output_bias', [d], 'float32', tfl.initializers.zeros());
    super.build(inputShape);
  }

  protected attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    const w = this.projectHeads(x, mask);
    const y = tssaCore(w, this.temperature!.read() as tf.Tensor2D, {
      mask,
      gainScale: this.gainDropout(w, training),
    });
    return this.projectOut(y, training);
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
    if (!this.built) {
      throw new Error(
        `${this.layerClass} '${this.name}': callAndReturnMembership needs a built layer; ` +
          `call build([null, null, ${this.dim}]) or apply(x) first`,
      );
    }
    return tf.tidy(() => {
      const { x, mask } = this.unpackInputs(inputs, { ...kwargs });
      const training = kwargs.training === true;
      const w = this.projectHeads(x, mask);
      const { output, membership }: TssaCoreResult = tssaCoreWithMembership(
        w,
        this.temperature!.read() as tf.Tensor2D,
        { mask, gainScale: this.gainDropout(w, training) },
      );
      return [this.projectOut(output, training), membership];
    });
  }

  /** Step 1: W = X·U + u split into heads [B, H, N, p], zeroed at padded tokens. */
  private projectHeads(x: tf.Tensor3D, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    const projected = denseTokens(
      x,
      this.qkvKernel!.read() as tf.Tensor2D,
      this.qkvBias?.read() as tf.Tensor1D | undefined,
    );
    const w = splitHeads(projected, this.heads);
    return mask ? (tf.mul(w, headTokenMask(mask)) as tf.Tensor4D) : w;
  }

  /** Step 6's attention dropout as a multiplier of the gain [B, H, 1, p], or undefined when inactive. */
  private gainDropout(w: tf.Tensor4D, training: boolean): tf.Tensor4D | undefined {
    if (!training || this.dropoutRate === 0) return undefined;
    const [batch, heads, , p] = w.shape;
    return this.maybeDropout(tf.ones([batch, heads, 1, p]) as tf.Tensor4D, training);
  }

  /** Step 8: merge heads (channel k·p + j), output projection, projection dropout. */
  private projectOut(y: tf.Tensor4D, training: boolean): tf.Tensor3D {
    const z = denseTokens(
      mergeHeads(y),
      this.outputKernel!.read() as tf.Tensor2D,
      this.outputBias!.read() as tf.Tensor1D,
    );
    return this.maybeDropout(z, training);
  }
}

tf.serialization.registerClass(TSSA);
