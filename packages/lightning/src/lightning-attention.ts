import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  headTokenMask,
  isPositiveInteger,
  validateInitStateBatch,
  validateStepInput,
  type AttentionOptions,
  type ProjectedHeads,
  type StreamingAttention,
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
export interface LightningState {
  sum: tf.Tensor4D;
}

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
export class LightningAttention extends ProjectedAttention implements StreamingAttention<LightningState> {
  static className = 'LightningAttention';
  static override optionNames: readonly string[] = ['blockSize'];
  readonly blockSize: number;
  /** γ per head. */
  readonly decay: readonly number[];

  constructor(options: LightningAttentionOptions) {
    super(options, { useBias: true });
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (!isPositiveInteger(blockSize)) {
      throw new RangeError(
        `LightningAttention: option 'blockSize' must be a positive integer (tokens per block), got ${String(blockSize)}`,
      );
    }
    this.blockSize = blockSize;
    this.decay = lightningDecay(this.heads);
  }

  get causal(): boolean {
    return true;
  }

  get complexity(): 'linear' {
    return 'linear';
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

  /** The state before the first token, for `batch` independent sequences. */
  initState(batch: number): LightningState {
    validateInitStateBatch(batch, `${this.layerClass} '${this.name}'`);
    return { sum: tf.zeros([batch, this.heads, this.headDim, this.headDim]) };
  }

  disposeState(state: LightningState): void {
    tf.dispose(state.sum);
  }

  /**
   * Consumes one token xt [batch, dim] and returns its output [batch, dim] (equal to the full causal forward's at
   * that position) with the new state; O(heads·p²) per token at any position. The input state is not disposed; the
   * returned tensors are kept out of any enclosing tidy.
   */
  step(state: LightningState, xt: tf.Tensor): { output: tf.Tensor2D; state: LightningState } {
    this.assertBuilt('step');
    const label = `${this.layerClass} '${this.name}'`;
    const batch = this.validateState(state, `${label} step`);
    validateStepInput(xt, batch, this.dim, label);
    const result = tf.tidy(() => {
      const token = tf.expandDims(xt, 1) as tf.Tensor3D;
      const split = (role: 'query' | 'key' | 'value') =>
        tf.reshape(this.project(role, token), [batch, this.heads, this.headDim]) as tf.Tensor3D;
      const k = tf.mul(split('key'), 1 / Math.sqrt(this.headDim)) as tf.Tensor3D;
      const r = recurrentLinearAttentionStep(state.sum, split('query'), k, split('value'), this.decay);
      const o = rmsOverChannels(r.output);
      return {
        output: this.projectOutput(tf.reshape(o, [batch, this.dim]) as tf.Tensor2D, false),
        sum: r.state,
      };
    });
    return { output: tf.keep(result.output), state: { sum: tf.keep(result.sum) } };
  }

  private validateState(state: LightningState, label: string): number {
    const sum = (state as Partial<LightningState> | null)?.sum;
    const [h, p] = [this.heads, this.headDim];
    if (!(sum instanceof tf.Tensor) || sum.rank !== 4) {
      throw new TypeError(
        `${label}: argument 'state' must be a state from initState ({sum: [batch, ${h}, ${p}, ${p}]}), got ${String(state)}`,
      );
    }
    if (sum.isDisposed) throw new Error(`${label}: argument 'state' has been disposed`);
    if (sum.shape[1] !== h || sum.shape[2] !== p || sum.shape[3] !== p) {
      throw new RangeError(
        `${label}: 'state.sum' must have shape [batch, ${h}, ${p}, ${p}], got [${sum.shape.join(', ')}]`,
      );
    }
    return sum.shape[0];
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
