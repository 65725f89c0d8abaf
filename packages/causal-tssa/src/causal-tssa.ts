import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  AttentionLayer,
  denseTokens,
  headTokenMask,
  isPositiveInteger,
  mergeHeads,
  splitHeads,
  type AttentionOptions,
} from '@tost/attention';
import { causalTSSACore } from './causal-tssa-core.js';
import { causalTSSAStep } from './causal-tssa-step.js';
import { createCausalTSSAState, validateCausalTSSAState, type CausalTSSAState } from './causal-tssa-state.js';

type LayerVariable = tfl.LayerVariable;

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
 * Causal Token Statistics Self-Attention (spec tssa.md, "Causal TSSA"; the language-model attention of ToST):
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
export class CausalTSSA extends AttentionLayer {
  static className = 'CausalTSSA';
  readonly maxLength: number;
  private qkvKernel?: LayerVariable;
  private qkvBias?: LayerVariable;
  private temperature?: LayerVariable;
  private denominatorBias?: LayerVariable;
  private outputKernel?: LayerVariable;
  private outputBias?: LayerVariable;

  constructor(options: CausalTSSAOptions) {
    super(options, { useBias: false });
    const { maxLength } = options;
    if (!isPositiveInteger(maxLength)) {
      throw new RangeError(
        `CausalTSSA: option 'maxLength' must be a positive integer (the longest sequence; β has one row per ` +
          `position), got ${String(maxLength)}`,
      );
    }
    this.maxLength = maxLength;
  }

  get causal(): boolean {
    return true;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.dim;
    const glorot = () => tfl.initializers.glorotUniform({});
    this.qkvKernel = this.addWeight('qkv_kernel', [d, d], 'float32', glorot());
    if (this.useBias) {
      this.qkvBias = this.addWeight('qkv_bias', [d], 'float32', tfl.initializers.zeros());
    }
    this.temperature = this.addWeight('temperature', [this.heads, 1], 'float32', tfl.initializers.ones());
    this.denominatorBias = this.addWeight(
      'denominator_bias',
      [this.heads, this.maxLength, 1],
      'float32',
      tfl.initializers.zeros(),
    );
    this.outputKernel = this.addWeight('output_kernel', [d, d], 'float32', glorot());
    this.outputBias = this.addWeight('output_bias', [d], 'float32', tfl.initializers.zeros());
    super.build(inputShape);
  }

  protected attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    return this.forward(x, mask, training).output;
  }

  /**
   * Like `apply(x, {mask, training})` but also returns the membership Π [batch, heads, seq] (0 at padded tokens).
   * Eager tensors only; the layer must be built (applied once, or `build([null, null, dim])`).
   */
  callAndReturnMembership(x: tf.Tensor, options: CausalTSSACallOptions = {}): [tf.Tensor3D, tf.Tensor3D] {
    this.assertBuilt('callAndReturnMembership');
    return tf.tidy(() => {
      const inputs = this.unpackInputs(x, { mask: options.mask });
      const { output, membership } = this.forward(inputs.x, inputs.mask, options.training === true);
      return [output, membership];
    });
  }

  /** Spec tssa.md, "Causal TSSA", steps 1–4, then merge and output projection. Runs inside tidy. */
  private forward(
    x: tf.Tensor3D,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): { output: tf.Tensor3D; membership: tf.Tensor3D } {
    const [batch, seq] = x.shape;
    if (seq > this.maxLength) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': sequence length ${seq} exceeds maxLength = ${this.maxLength} ` +
          `(the denominator bias has one row per position)`,
      );
    }
    let w = splitHeads(
      denseTokens(x, this.qkvKernel!.read() as tf.Tensor2D, this.qkvBias?.read() as tf.Tensor1D | undefined),
      this.heads,
    );
    // Padded tokens must add nothing to the running sums: zero their projections.
    if (mask) w = tf.mul(w, headTokenMask(mask));
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
    const projected = denseTokens(
      mergeHeads(y),
      this.outputKernel!.read() as tf.Tensor2D,
      this.outputBias!.read() as tf.Tensor1D,
    );
    return {
      output: this.maybeDropout(projected, training),
      membership: tf.reshape(membership, [batch, this.heads, seq]),
    };
  }

  /** The streaming state before the first token, for `batch` independent sequences. */
  initState(batch: number): CausalTSSAState {
    if (!isPositiveInteger(batch)) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': initState argument 'batch' must be a positive integer, got ${String(batch)}`,
      );
    }
    return createCausalTSSAState(batch, this.heads, this.headDim);
  }

  /**
   * Autoregressive decoding: consumes one token xt [batch, dim] and returns its output [batch, dim] (equal to the
   * full causal forward's output at that position) with the advanced state. Inference only (no dropout, no mask).
   * Costs O(dim²) per token whatever the position: only the running sums are read (see causal-tssa-step.ts).
   *
   * Ownership: the state passed in is NOT disposed (the caller owns it); the returned output and state are new
   * tensors, kept out of any enclosing tf.tidy — dispose them yourself (`disposeCausalTSSAState`).
   */
  step(state: CausalTSSAState, xt: tf.Tensor): { output: tf.Tensor2D; state: CausalTSSAState } {
    this.assertBuilt('step');
    const label = `${this.layerClass} '${this.name}'`;
    const batch = validateCausalTSSAState(state, this.heads, this.headDim, `${label} step`);
    if (!(xt instanceof tf.Tensor) || xt.rank !== 2 || xt.shape[0] !== batch || xt.shape[1] !== this.dim) {
      const given = xt instanceof tf.Tensor ? `[${xt.shape.join(', ')}]` : String(xt);
      throw new RangeError(
        `${label} step: argument 'xt' must have shape [batch, dim] = [${batch}, ${this.dim}] (one token), got ${given}`,
      );
    }
    if (xt.dtype !== 'float32') {
      throw new TypeError(`${label} step: argument 'xt' must be float32, got ${xt.dtype}`);
    }
    if (state.position >= this.maxLength) {
      throw new RangeError(
        `${label} step: cannot step past maxLength = ${this.maxLength} (state.position = ${state.position})`,
      );
    }
    const result = tf.tidy(() => {
      let projected: tf.Tensor2D = tf.matMul(xt as tf.Tensor2D, this.qkvKernel!.read() as tf.Tensor2D);
      if (this.qkvBias) projected = tf.add(projected, this.qkvBias.read());
      const w = tf.reshape(projected, [batch, this.heads, this.headDim]) as tf.Tensor3D;
      const beta = tf.reshape(
        tf.slice(this.denominatorBias!.read(), [0, state.position, 0], [this.heads, 1, 1]),
        [this.heads, 1],
      ) as tf.Tensor2D;
      const { y, sums } = causalTSSAStep(state, w, this.temperature!.read() as tf.Tensor2D, beta);
      const merged = tf.reshape(y, [batch, this.dim]);
      const output = tf.add(
        tf.matMul(merged, this.outputKernel!.read() as tf.Tensor2D),
        this.outputBias!.read(),
      ) as tf.Tensor2D;
      return { output, ...sums };
    });
    const { output, sumSquares, sumPiSquares, sumPi } = result;
    tf.keep(output);
    tf.keep(sumSquares);
    tf.keep(sumPiSquares);
    tf.keep(sumPi);
    return { output, state: { sumSquares, sumPiSquares, sumPi, position: state.position + 1 } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), maxLength: this.maxLength };
  }

  private assertBuilt(method: string): void {
    if (!this.built || !this.qkvKernel) {
      throw new Error(
        `${this.layerClass} '${this.name}': ${method} needs built weights — apply the layer once or call ` +
          `build([null, null, ${this.dim}]) first`,
      );
    }
  }
}

tf.serialization.registerClass(CausalTSSA);
