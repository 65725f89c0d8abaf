import * as tf from '@tensorflow/tfjs-core';
import {
  StreamingProjectedAttention,
  headTokenMask,
  type AttentionOptions,
  type ProjectedHeads,
  type StateSpec,
  type StepResult,
  type StreamingState,
} from '@tost/attention';
import { chunkLinearAttention, recurrentLinearAttentionStep } from '@tost/ops';
import { lightningDecay } from './lightning-decay.js';

export interface LightningAttentionOptions extends AttentionOptions {
  /** Tokens per block b of the block algorithm (default 64): cost O(N·b·p + N·p²), constant per token. */
  blockSize?: number;
}

/** Default block size b. */
export const DEFAULT_BLOCK_SIZE = 64;
/** ε of the per-head RMS normalisation. */
export const LIGHTNING_EPSILON = 1e-6;

/**
 * Streaming state: per sample and head the decayed sum S = Σ_s γ^(t−s) k̂_sᵀ·v_s [batch, heads, p, p] (k̂ = k/√p).
 * Its size does not depend on the position.
 */
const LIGHTNING_STATE = {
  sum: { shape: ['batch', 'heads', 'headDim', 'headDim'] },
} as const satisfies StateSpec;
export type LightningState = StreamingState<typeof LIGHTNING_STATE>;

/**
 * Causal decayed linear attention evaluated block-wise, as Lightning Attention-2 (Qin et al., "Lightning
 * Attention-2: A Free Lunch for Handling Unlimited Sequence Lengths in Large Language Models", arXiv 2401.04658,
 * Algorithm 1) with TransNormerLLM's per-head decay γ_k = 1 − 2^(−5−k). Per head, with keys scaled k ← k/√p,
 * `O_t = Σ_{s≤t} γ^(t−s) (q_t·k_s) v_s` over real keys s, then an RMS normalisation over the p channels of each head
 * and token (no gain), heads merged, output projection. The sequence is split into blocks of b tokens: inside a
 * block the masked, decayed b×b product, across blocks a carried state S [p, p] (S ← γ^b·S + Σ_s γ^(b−1−s′) k_sᵀv_s)
 * — O(N·b·p + N·p²) time, O(N·dim) memory, the same cost per token at any length. Streaming `step`: S ← γ·S + kᵀv,
 * o = q·S.
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true).
 */
export class LightningAttention extends StreamingProjectedAttention<typeof LIGHTNING_STATE> {
  static className = 'LightningAttention';
  static override readonly traits = { causal: true, complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['blockSize'];
  readonly blockSize: number;
  /** γ per head. */
  readonly decay: readonly number[];

  constructor(options: LightningAttentionOptions) {
    super(options);
    this.blockSize = this.positiveIntegerOption(options, 'blockSize', 'tokens per block', DEFAULT_BLOCK_SIZE);
    this.decay = lightningDecay(this.heads);
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    let k = tf.mul(heads.key!, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    // Padded tokens hold only the projection biases (finite): a product zeroes them exactly.
    if (mask) k = tf.mul(k, headTokenMask(mask)) as tf.Tensor4D;
    const o = chunkLinearAttention(heads.query!, k, heads.value!, {
      chunkSize: this.blockSize,
      decay: this.decay,
    });
    return rmsOverChannels(o);
  }

  protected readonly stateSpec = LIGHTNING_STATE;

  /** One token: S ← γ·S + k̂ᵀv, o = q·S, RMS over the channels; O(heads·p²) at any position. */
  protected advance(state: LightningState, xt: tf.Tensor2D): StepResult<typeof LIGHTNING_STATE> {
    const k = tf.mul(this.tokenHeads('key', xt), 1 / Math.sqrt(this.headDim)) as tf.Tensor3D;
    const r = recurrentLinearAttentionStep(
      state.sum,
      this.tokenHeads('query', xt),
      k,
      this.tokenHeads('value', xt),
      this.decay,
    );
    return { output: this.tokenOutput(rmsOverChannels(r.output)), state: { sum: r.state } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), blockSize: this.blockSize };
  }
}

/** o / sqrt(mean over the last (channel) axis of o² + 1e-6). */
function rmsOverChannels<T extends tf.Tensor>(o: T): T {
  return tf.tidy(() => tf.div(o, tf.sqrt(tf.add(tf.mean(tf.square(o), -1, true), LIGHTNING_EPSILON))) as T);
}

tf.serialization.registerClass(LightningAttention);
