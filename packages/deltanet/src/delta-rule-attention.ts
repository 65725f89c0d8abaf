import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  StreamingProjectedAttention,
  denseTokens,
  mergeHeads,
  type AttentionOptions,
  type LayerBaseArgs,
  type ProjectedHeads,
  type StepResult,
} from '@tost/attention';
import { chunkedDeltaRule, defaultChunkSize, validateChunkSize } from './delta-rule-chunked.js';
import { DELTA_RULE_STATE, type DeltaRuleState } from './delta-rule-state.js';
import { deltaRuleStep } from './delta-rule-step.js';

/** Options of `DeltaNet` and `GatedDeltaNet` beyond the common ones. */
export interface DeltaRuleAttentionOptions extends AttentionOptions {
  /**
   * Tokens per chunk c of the chunk-wise training form, a power of two (default `defaultChunkSize(p)`: the head
   * dimension p rounded up to a power of two, between 8 and 64): cost O(N·c·p + N·p²) per head, memory O(N·(c + p)).
   * The chosen size is saved in the layer's config.
   */
  chunkSize?: number;
}

/** ε of the key/query L2 normalisation and of the output RMS normalisation. */
export const DELTA_RULE_EPSILON = 1e-6;

/** u / sqrt(Σ u² + ε) over the last axis. */
function l2Normalize<T extends tf.Tensor>(u: T): T {
  return tf.div(u, tf.sqrt(tf.add(tf.sum(tf.square(u), -1, true), DELTA_RULE_EPSILON))) as T;
}

function silu<T extends tf.Tensor>(u: T): T {
  return tf.mul(u, tf.sigmoid(u)) as T;
}

/**
 * Shared layer of the delta-rule family (DeltaNet, arXiv 2406.06484; Gated DeltaNet, arXiv 2412.06464): projections,
 * `q ← l2(silu(q))/√p`, `k ← l2(silu(k))`, write strength `β = sigmoid(X·Wβ + bβ)` per head, the (gated) delta rule
 * chunk-wise in training (`chunkedDeltaRule`) and token by token in `step`, a per-head RMS norm with a shared gain
 * [p], then (gated) the output gate and the output projection. Padded tokens get β = 0 (and γ = 0): they leave the
 * state unchanged. Subclasses add the decay and the output gate.
 */
export abstract class DeltaRuleAttention extends StreamingProjectedAttention<typeof DELTA_RULE_STATE> {
  static override readonly traits = { causal: true, complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['chunkSize'];
  readonly chunkSize: number;
  private betaKernel?: tfl.LayerVariable;
  private betaBias?: tfl.LayerVariable;
  private normGain?: tfl.LayerVariable;

  constructor(options: DeltaRuleAttentionOptions & LayerBaseArgs) {
    super(options);
    this.chunkSize = validateChunkSize(options.chunkSize ?? defaultChunkSize(this.headDim), this.layerClass);
  }

  protected override buildCoreWeights(): void {
    this.betaKernel = this.addCoreWeight('beta_kernel', [this.dim, this.heads]);
    this.betaBias = this.addCoreWeight('beta_bias', [this.heads], 'zeros');
    this.buildGateWeights();
    this.normGain = this.addCoreWeight('norm_gain', [this.headDim], 'ones');
  }

  /** The subclass's weights between beta_bias and norm_gain (Gated DeltaNet: decay and output gate). */
  protected buildGateWeights(): void {}

  /** Per-token log decay γ ≤ 0, [batch, seq, heads] (undefined: no decay). */
  protected logDecay(_x: tf.Tensor3D): tf.Tensor3D | undefined {
    return undefined;
  }

  /** The merged head outputs [batch, seq, dim] before the output projection (Gated DeltaNet: ⊙ swish gate). */
  protected gateOutput(merged: tf.Tensor3D, _x: tf.Tensor3D): tf.Tensor3D {
    return merged;
  }

  /** q, k, v [B, H, N, p], β and γ [B, H, N] (0 at padded tokens). */
  private features(x: tf.Tensor3D, mask: tf.Tensor2D | undefined) {
    const heads: ProjectedHeads = this.projectHeads(x);
    const q = tf.mul(l2Normalize(silu(heads.query!)), 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    const k = l2Normalize(silu(heads.key!));
    const perHead = (t: tf.Tensor3D): tf.Tensor3D => {
      let out = tf.transpose(t, [0, 2, 1]) as tf.Tensor3D;
      if (mask) {
        const real = tf.broadcastTo(tf.expandDims(tf.cast(mask, 'bool'), 1), out.shape);
        out = tf.where(real, out, tf.zerosLike(out)) as tf.Tensor3D;
      }
      return out;
    };
    const beta = perHead(
      tf.sigmoid(
        denseTokens(x, this.betaKernel!.read() as tf.Tensor2D, this.betaBias!.read() as tf.Tensor1D),
      ),
    );
    const gamma = this.logDecay(x);
    return { q, k, v: heads.value!, beta, logDecay: gamma ? perHead(gamma) : undefined };
  }

  /** RMS norm over each head's p channels with the shared gain, [B, H, N, p] → merged and gated [B, N, dim]. */
  private finish(o: tf.Tensor4D, x: tf.Tensor3D): tf.Tensor3D {
    const normed = tf.mul(
      tf.div(o, tf.sqrt(tf.add(tf.mean(tf.square(o), -1, true), DELTA_RULE_EPSILON))),
      this.normGain!.read(),
    ) as tf.Tensor4D;
    return this.gateOutput(mergeHeads(normed), x);
  }

  protected override attendProjected(): tf.Tensor4D {
    throw new Error(
      `${this.layerClass}: attendProjected is not used (attend reads the layer input for β and γ)`,
    );
  }

  protected override attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    const { output } = chunkedDeltaRule(this.features(x, mask), { chunkSize: this.chunkSize });
    return this.projectOutput(this.finish(output, x), training);
  }

  protected readonly stateSpec = DELTA_RULE_STATE;

  /**
   * One token xt [batch, dim]: the (gated) delta rule on the memory (`deltaRuleStep`), O(heads·p² + dim²) per token
   * at any position. `step` (from the base) checks the state ('state.memory' [batch, heads, p, p]) and xt first.
   */
  protected advance(state: DeltaRuleState, xt: tf.Tensor2D): StepResult<typeof DELTA_RULE_STATE> {
    const token = tf.expandDims(xt, 1) as tf.Tensor3D;
    const f = this.features(token, undefined);
    const one = (t: tf.Tensor4D) => tf.squeeze(t, [2]) as tf.Tensor3D;
    const scalar = (t: tf.Tensor3D) => tf.squeeze(t, [2]) as tf.Tensor2D;
    const r = deltaRuleStep(
      state.memory,
      one(f.q),
      one(f.k),
      one(f.v),
      scalar(f.beta),
      f.logDecay ? scalar(f.logDecay) : undefined,
    );
    const merged = this.finish(tf.expandDims(r.output, 2) as tf.Tensor4D, token);
    return { output: this.tokenOutput(merged), state: { memory: r.state } };
  }

  /**
   * Consumes a whole block of tokens x [batch, seq, dim] at once, chunk-wise, starting from `state`: returns the
   * outputs [batch, seq, dim] (equal to `step` over the tokens one by one) and the state after the last token, its
   * `position` advanced by seq — a prompt prefill at the training form's speed. Inference only. `mask` [batch, seq]
   * (1 = token) skips padded tokens. The state passed in is not disposed; the returned tensors are kept out of any
   * enclosing tidy.
   * @throws the errors of `validateState` for a state that does not fit this layer (naming 'state.memory'),
   *   RangeError naming 'x' when x is not [batch, seq, dim] with the state's batch.
   */
  prefill(
    state: DeltaRuleState,
    x: tf.Tensor3D,
    mask?: tf.Tensor2D,
  ): { output: tf.Tensor3D; state: DeltaRuleState } {
    this.assertBuilt('prefill');
    const label = this.streamingLabel;
    const batch = this.validateState(state, 'prefill');
    if (!(x instanceof tf.Tensor) || x.rank !== 3 || x.shape[0] !== batch || x.shape[2] !== this.dim) {
      const given = x instanceof tf.Tensor ? `[${x.shape.join(', ')}]` : String(x);
      throw new RangeError(
        `${label} prefill: argument 'x' must have shape [batch, seq, dim] = [${batch}, seq, ${this.dim}] (batch is the ` +
          `state's), got ${given}`,
      );
    }
    const position = state.position + x.shape[1];
    if (x.shape[1] === 0) {
      return {
        output: tf.keep(tf.zeros([batch, 0, this.dim])),
        state: { memory: tf.keep(tf.clone(state.memory)), position },
      };
    }
    const result = tf.tidy(() => {
      const { x: clean, mask: m } = this.unpackInputs(mask ? [x, mask] : x, undefined);
      const r = chunkedDeltaRule(
        { ...this.features(clean, m), initialState: state.memory },
        { chunkSize: this.chunkSize, finalState: true },
      );
      return { output: this.projectOutput(this.finish(r.output, clean), false), memory: r.finalState };
    });
    return { output: tf.keep(result.output), state: { memory: tf.keep(result.memory), position } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), chunkSize: this.chunkSize };
  }
}
