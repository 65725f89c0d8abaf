import * as tf from '@tensorflow/tfjs-core';
import {
  StreamingProjectedAttention,
  type AttentionOptions,
  type LayerBaseArgs,
  type ProjectedHeads,
  type StateSizes,
  type StepResult,
} from '@tost/attention';
import { localAttention } from './local-attention-core.js';
import { LOCAL_STATE, localAttentionStep, type LocalAttentionState } from './local-stream.js';

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
export class LocalAttention extends StreamingProjectedAttention<typeof LOCAL_STATE> {
  static className = 'LocalAttention';
  static override readonly traits = { causal: 'option', complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['causal', 'window', 'dilation'];
  readonly window: number;
  readonly dilation: number;

  constructor(options: LocalAttentionOptions & LayerBaseArgs) {
    super(options);
    this.window = this.positiveIntegerOption(
      options,
      'window',
      'keys on each side of a query',
      DEFAULT_WINDOW,
    );
    this.dilation = this.positiveIntegerOption(
      options,
      'dilation',
      'attend to every d-th token',
      DEFAULT_DILATION,
    );
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    // The 1/√p scale and (causal) the zeroing of non-finite future keys and values happen inside the core, so
    // autodiff keeps no scaled or cleaned copies for the backward pass.
    return localAttention(heads.query!, heads.key!, heads.value!, {
      scale: 1 / Math.sqrt(this.headDim),
      window: this.window,
      dilation: this.dilation,
      keyMask: mask,
      causal: this.causal,
    });
  }

  protected readonly stateSpec = LOCAL_STATE;

  /** The cached tokens: none before the first token, then up to w·d. */
  protected override stateSizes(): StateSizes {
    return { cached: { initial: 0, max: this.window * this.dilation } };
  }

  protected override get streamingUnavailable(): string | undefined {
    return this.causal ? undefined : "needs the causal layer ('local-causal')";
  }

  /** One token (inference: no dropout); O(w·dim + dim²) at any position. */
  protected advance(state: LocalAttentionState, xt: tf.Tensor2D): StepResult<typeof LOCAL_STATE> {
    const head = (role: 'query' | 'key' | 'value') =>
      tf.expandDims(this.tokenHeads(role, xt), 2) as tf.Tensor4D;
    const q = tf.mul(head('query'), 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    const { out, keys, values } = localAttentionStep(state, q, head('key'), head('value'), {
      window: this.window,
      dilation: this.dilation,
    });
    return { output: this.tokenOutput(out), state: { keys, values } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), window: this.window, dilation: this.dilation };
  }
}

tf.serialization.registerClass(LocalAttention);
