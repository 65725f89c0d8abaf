import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  StreamingProjectedAttention,
  RATE_REDUCTION_PROJECTIONS,
  headTokenMask,
  type AttentionOptions,
  type ProjectedHeads,
  type StepResult,
} from '@tost/attention';
import { causalTSSACore } from './causal-tssa-core.js';
import { causalTSSAStep } from './causal-tssa-step.js';
import { CAUSAL_TSSA_STATE, type CausalTSSAState } from './causal-tssa-state.js';

export interface CausalTSSAOptions extends AttentionOptions {
  /** Longest sequence the layer accepts: the denominator bias β has one row per position. Required. */
  maxLength: number;
}

export interface CausalTSSACallOptions {
  /** [batch, seq]: 1 = real token, 0 = padding. */
  mask?: tf.Tensor;
  /** Enables dropout. */
  training?: boolean;
}

/**
 * Causal Token Statistics Self-Attention (the language-model attention of ToST, Wu et al., ICLR 2025, arXiv
 * 2412.17810; the authors' `tost_lang/model_TSSA.py`):
 * one projection W = X·U (+u), per head and position t the causal normalised squares
 * q = w²/max(Σ_{i≤t} w², 1e-12) + β_t, membership Π = softmax over heads of τ·Σ_j q, the running Π-weighted second
 * moment s = Σ_{i≤t} Π w² / (Σ_{i≤t} Π + 1e-8), output y = −Π·w/(1+s), merged heads and an output projection.
 * Linear time and memory in the sequence length; streaming decoding with O(dim) state via `initState` / `step`.
 *
 * Weights, in order: qkv_kernel [dim, dim], qkv_bias [dim] (only with useBias), temperature [heads, 1] (init 1),
 * denominator_bias [heads, maxLength, 1] (init 0), output_kernel [dim, dim], output_bias [dim].
 *
 * Padding: padded tokens add nothing to the running sums, their core output is zero and their Π is reported as 0.
 */
export class CausalTSSA extends StreamingProjectedAttention<typeof CAUSAL_TSSA_STATE> {
  static className = 'CausalTSSA';
  static override readonly traits = { causal: true, complexity: 'linear', useBias: false } as const;
  static override readonly projections = RATE_REDUCTION_PROJECTIONS;
  static override optionNames: readonly string[] = ['maxLength'];
  readonly maxLength: number;
  private temperature?: tfl.LayerVariable;
  private denominatorBias?: tfl.LayerVariable;

  constructor(options: CausalTSSAOptions) {
    super(options);
    this.maxLength = this.positiveIntegerOption(
      options,
      'maxLength',
      'the longest sequence; β has one row per position',
    );
  }

  protected override buildCoreWeights(): void {
    this.temperature = this.addCoreWeight('temperature', [this.heads, 1], 'ones');
    this.denominatorBias = this.addCoreWeight('denominator_bias', [this.heads, this.maxLength, 1], 'zeros');
  }

  protected attendProjected(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor4D {
    return this.core(heads.qkv!, mask, training).y;
  }

  /**
   * Like `apply(x, {mask, training})` but also returns the membership Π [batch, heads, seq] (0 at padded tokens).
   * Eager tensors only; the layer must be built (applied once, or `build([null, null, dim])`).
   */
  callAndReturnMembership(x: tf.Tensor, options: CausalTSSACallOptions = {}): [tf.Tensor3D, tf.Tensor3D] {
    this.assertBuilt('callAndReturnMembership');
    return tf.tidy(() => {
      const inputs = this.unpackInputs(x, { mask: options.mask });
      const training = options.training === true;
      const { y, membership } = this.core(this.projectHeads(inputs.x).qkv!, inputs.mask, training);
      return [this.projectOutput(y, training), membership];
    });
  }

  /** Steps 1–4 of causal TSSA on the projected heads W [B, H, N, p]. Runs inside tidy. */
  private core(
    projected: tf.Tensor4D,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): { y: tf.Tensor4D; membership: tf.Tensor3D } {
    const [batch, , seq] = projected.shape;
    if (seq > this.maxLength) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': sequence length ${seq} exceeds maxLength = ${this.maxLength} ` +
          `(the denominator bias has one row per position)`,
      );
    }
    // Padded tokens must add nothing to the running sums: zero their projections.
    const w = mask ? (tf.mul(projected, headTokenMask(mask)) as tf.Tensor4D) : projected;
    const denominatorBias = tf.slice(this.denominatorBias!.read(), [0, 0, 0], [this.heads, seq, 1]);
    const gainScale =
      training && this.dropoutRate > 0
        ? (tf.dropout(tf.ones(w.shape), this.dropoutRate) as tf.Tensor4D)
        : undefined;
    const { y, membership } = causalTSSACore({
      w,
      temperature: this.temperature!.read() as tf.Tensor2D,
      denominatorBias: denominatorBias as tf.Tensor3D,
      mask,
      gainScale,
    });
    return { y, membership: tf.reshape(membership, [batch, this.heads, seq]) as tf.Tensor3D };
  }

  protected readonly stateSpec = CAUSAL_TSSA_STATE;

  /**
   * One token of autoregressive decoding (inference: no dropout, no mask). Costs O(dim²) per token whatever the
   * position: only the running sums are read (see causal-tssa-step.ts).
   * @throws RangeError past maxLength (β has one row per position).
   */
  protected advance(state: CausalTSSAState, xt: tf.Tensor2D): StepResult<typeof CAUSAL_TSSA_STATE> {
    if (state.position >= this.maxLength) {
      throw new RangeError(
        `${this.streamingLabel} step: cannot step past maxLength = ${this.maxLength} ` +
          `(state.position = ${state.position})`,
      );
    }
    const w = this.tokenHeads('qkv', xt);
    const beta = tf.reshape(
      tf.slice(this.denominatorBias!.read(), [0, state.position, 0], [this.heads, 1, 1]),
      [this.heads, 1],
    ) as tf.Tensor2D;
    const { y, sums } = causalTSSAStep(state, w, this.temperature!.read() as tf.Tensor2D, beta);
    return { output: this.tokenOutput(y), state: sums };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), maxLength: this.maxLength };
  }
}

tf.serialization.registerClass(CausalTSSA);
