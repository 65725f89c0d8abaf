import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  isPositiveInteger,
  mergeHeads,
  splitHeads,
  validateStepInput,
  type StreamingAttention,
  type AttentionOptions,
  type LayerBaseArgs,
  type ProjectedHeads,
} from '@tost/attention';
import { localAttention } from './local-attention-core.js';
import { disposeLocalAttentionState, localAttentionStep, type LocalAttentionState } from './local-stream.js';

/** Default keys on each side of a query (in units of `dilation` tokens). */
export const DEFAULT_WINDOW = 64;
/** Default dilation: every token. */
export const DEFAULT_DILATION = 1;

export interface LocalAttentionOptions extends AttentionOptions {
  /** Token t attends only to tokens ≤ t (default false). */
  causal?: boolean;
  /** w: a query sees keys at most w·d tokens away on each side (positive integer, default 64). */
  window?: number;
  /** d: only every d-th token, (i − j) mod d = 0 (positive integer, default 1). */
  dilation?: number;
}

/**
 * Sliding-window attention with dilation (Longformer, Beltagy et al., arXiv 2004.05150, §3.1; dilated neighbourhoods
 * as in DiNAT, Hassani & Shi, arXiv 2209.15001): query i attends to the real keys j with |i − j| ≤ w·d and
 * (i − j) mod d = 0 (and j ≤ i when causal), softmax(q_i·k_j/√p) over exactly those; no such key gives 0.
 * Time O(N·w·C), memory O(N·w) per head — no N×N matrix (see `localAttention`).
 *
 * Input [batch, seq, dim] → output [batch, seq, dim]. Weights (tfjs layout [in, out]): query, key, value and output
 * kernels [dim, dim], each followed by its bias [dim] when `useBias` (default true). `dropout` applies after the
 * output projection (training only). The causal layer also decodes token by token (`initState` / `step`) with the
 * keys and values of the last w·d tokens as its state.
 *
 * @throws RangeError when `window` or `dilation` is not a positive integer, TypeError for a non-boolean `causal`
 *   (and the common option errors).
 */
export class LocalAttention extends ProjectedAttention implements StreamingAttention<LocalAttentionState> {
  static className = 'LocalAttention';
  static override optionNames: readonly string[] = ['causal', 'window', 'dilation'];
  readonly isCausal: boolean;
  readonly window: number;
  readonly dilation: number;

  constructor(options: LocalAttentionOptions & LayerBaseArgs) {
    super(options, { useBias: true });
    if (options.causal !== undefined && typeof options.causal !== 'boolean') {
      throw new TypeError(`LocalAttention: option 'causal' must be a boolean, got ${String(options.causal)}`);
    }
    for (const [key, what] of [
      ['window', 'keys on each side of a query'],
      ['dilation', 'attend to every d-th token'],
    ] as const) {
      const value = options[key];
      if (value !== undefined && !isPositiveInteger(value)) {
        throw new RangeError(
          `LocalAttention: option '${key}' must be a positive integer (${what}), got ` +
            `${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
        );
      }
    }
    this.isCausal = options.causal ?? false;
    this.window = options.window ?? DEFAULT_WINDOW;
    this.dilation = options.dilation ?? DEFAULT_DILATION;
  }

  get causal(): boolean {
    return this.isCausal;
  }

  get complexity(): 'linear' {
    return 'linear';
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    // The 1/√p scale and (causal) the zeroing of non-finite future keys and values happen inside the core, so
    // autodiff keeps no scaled or cleaned copies for the backward pass.
    return localAttention(heads.query!, heads.key!, heads.value!, {
      scale: 1 / Math.sqrt(this.headDim),
      window: this.window,
      dilation: this.dilation,
      keyMask: mask,
      causal: this.isCausal,
    });
  }

  /** The streaming state before the first token, for `batch` independent sequences (causal layer only). */
  initState(batch: number): LocalAttentionState {
    const label = `${this.layerClass} '${this.name}'`;
    if (!this.isCausal) throw new Error(`${label}: initState needs the causal layer ('local-causal')`);
    if (!isPositiveInteger(batch)) {
      throw new RangeError(`${label}: initState argument 'batch' must be a positive integer, got ${String(batch)}`);
    }
    return { batch, position: 0 };
  }

  disposeState(state: LocalAttentionState): void {
    disposeLocalAttentionState(state);
  }

  /**
   * Autoregressive decoding: consumes one token xt [batch, dim] and returns its output [batch, dim] (equal to the
   * full causal forward's output at that position) with the advanced state. Inference only (no dropout, no mask).
   * Costs O(w·dim + dim²) per token whatever the position.
   *
   * Ownership: the state passed in is NOT disposed (the caller owns it); the returned output and state are new
   * tensors, kept out of any enclosing tf.tidy — dispose them with `disposeState`.
   */
  step(state: LocalAttentionState, xt: tf.Tensor): { output: tf.Tensor2D; state: LocalAttentionState } {
    this.assertBuilt('step');
    const label = `${this.layerClass} '${this.name}'`;
    if (!this.isCausal) throw new Error(`${label}: step needs the causal layer ('local-causal')`);
    if (state == null || !isPositiveInteger(state.batch)) {
      throw new TypeError(`${label} step: argument 'state' must come from initState, got ${String(state)}`);
    }
    const batch = state.batch;
    validateStepInput(xt, batch, this.dim, label);
    const result = tf.tidy(() => {
      const token = tf.expandDims(xt, 1) as tf.Tensor3D;
      const head = (role: 'query' | 'key' | 'value') => splitHeads(this.project(role, token), this.heads);
      const q = tf.mul(head('query'), 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
      const { out, keys, values } = localAttentionStep(state, q, head('key'), head('value'), {
        window: this.window,
        dilation: this.dilation,
      });
      const output = this.projectOutput(tf.reshape(mergeHeads(out), [batch, this.dim]) as tf.Tensor2D, false);
      return { output, keys, values };
    });
    tf.keep(result.output);
    tf.keep(result.keys);
    tf.keep(result.values);
    return {
      output: result.output,
      state: { batch, position: state.position + 1, keys: result.keys, values: result.values },
    };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), causal: this.isCausal, window: this.window, dilation: this.dilation };
  }
}

tf.serialization.registerClass(LocalAttention);
