import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  StreamingProjectedAttention,
  denseTokens,
  headTokenMask,
  mergeHeads,
  splitHeads,
  type AttentionOptions,
  type ProjectedHeads,
  type StateSpec,
  type StepResult,
  type StreamingState,
} from '@tost/attention';
import { glaChunkSize, GLA_GATE_RANK, GLA_GATE_TEMPERATURE, GLA_NORM_EPSILON } from './constants.js';
import { gatedLinearAttention } from './gated-linear-attention.js';
import { glaRecurrentStep } from './recurrent.js';

export interface GLAOptions extends AttentionOptions {
  /**
   * Tokens per chunk of the chunk-wise training form (positive integer; default `glaChunkSize(p)`: 8 for heads of
   * dimension p ≤ 32, else 16). Saved in the layer's config.
   */
  chunkSize?: number;
  /** Rank r of the low-rank gate projection X·W_down [dim, r]·W_up [r, dim] (positive integer, default 16). */
  gateRank?: number;
}

/**
 * Streaming state of a GLA layer: per sample and head the matrix memory S [batch, heads, p, p] (rows = key channels),
 * and `position`, the number of tokens consumed so far. Its size does not depend on the position.
 */
const GLA_STATE = {
  memory: { shape: ['batch', 'heads', 'headDim', 'headDim'] },
} as const satisfies StateSpec;
export type GLAState = StreamingState<typeof GLA_STATE>;

/**
 * Gated Linear Attention (Yang, Wang, Shen, Panda, Kim, "Gated Linear Attention Transformers with Hardware-Efficient
 * Training", ICML 2024, arXiv 2312.06635), causal and streaming. Per head, with q ← q/√p and a data-dependent gate
 * per key channel α_t = sigmoid(x_t·W_down·W_up + b_α)^(1/16) (§4.4, low rank, τ = 16):
 *
 *   S_t = diag(α_t)·S_{t−1} + k_tᵀ·v_t,   o_t = q_t·S_t
 *
 * then a LayerNorm over each head's p channels (no affine, ε = 1e-5), heads merged, the output gate
 * `(o ⊙ swish(x·W_r + b_r))·W_o + b_o`. Training and full forwards run chunk-wise (`gatedLinearAttention`: c×c blocks
 * in log space inside a chunk, a carried [p, p] state across, hand-written gradient; O(N) time and memory); `step`
 * runs the recurrence one token at a time with the same state, and `prefill` runs a whole prompt chunk-wise from a
 * state. A padded token has k = 0 and α = 1: it leaves the state unchanged, wherever it is.
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true), then `gate_down` [dim, r], `gate_up` [r, dim], `gate_bias` [dim], `output_gate` [dim, dim],
 * `output_gate_bias` [dim] (the gate biases always).
 */
export class GatedLinearAttention extends StreamingProjectedAttention<typeof GLA_STATE> {
  static className = 'GatedLinearAttention';
  static override readonly traits = { causal: true, complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['chunkSize', 'gateRank'];
  readonly chunkSize: number;
  readonly gateRank: number;
  private gateDown?: tfl.LayerVariable;
  private gateUp?: tfl.LayerVariable;
  private gateBias?: tfl.LayerVariable;
  private outputGate?: tfl.LayerVariable;
  private outputGateBias?: tfl.LayerVariable;

  constructor(options: GLAOptions) {
    super(options);
    this.chunkSize = this.positiveIntegerOption(
      options,
      'chunkSize',
      'tokens per chunk',
      glaChunkSize(this.headDim),
    );
    this.gateRank = this.positiveIntegerOption(
      options,
      'gateRank',
      'rank of the gate projection',
      GLA_GATE_RANK,
    );
  }

  protected override buildCoreWeights(): void {
    const d = this.dim;
    this.gateDown = this.addCoreWeight('gate_down', [d, this.gateRank]);
    this.gateUp = this.addCoreWeight('gate_up', [this.gateRank, d]);
    this.gateBias = this.addCoreWeight('gate_bias', [d], 'zeros');
    this.outputGate = this.addCoreWeight('output_gate', [d, d]);
    this.outputGateBias = this.addCoreWeight('output_gate_bias', [d], 'zeros');
  }

  protected override attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    return this.forwardFrom(x, mask, undefined, training).output;
  }

  /** Not used: GLA's gates read the tokens themselves, so `attend` runs the whole layer. */
  protected attendProjected(): tf.Tensor4D {
    throw new Error(
      `${this.layerClass} '${this.name}': attendProjected is not used (the gates need the tokens)`,
    );
  }

  /** The whole layer from a state (zeros when undefined): outputs [batch, seq, dim] and the state after the last token. */
  private forwardFrom(
    x: tf.Tensor3D,
    mask: tf.Tensor2D | undefined,
    initialState: tf.Tensor4D | undefined,
    training: boolean,
  ): { output: tf.Tensor3D; memory: tf.Tensor4D } {
    return tf.tidy(() => {
      const heads: ProjectedHeads = this.projectHeads(x);
      const q = tf.mul(heads.query!, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
      let k = heads.key!;
      let g = splitHeads(this.logGate(x), this.heads);
      if (mask) {
        // Padded tokens hold only the projection biases (finite): a product zeroes them exactly.
        const real = headTokenMask(mask);
        k = tf.mul(k, real) as tf.Tensor4D;
        g = tf.mul(g, real) as tf.Tensor4D;
      }
      const { output, state } = gatedLinearAttention(q, k, heads.value!, g, {
        chunkSize: this.chunkSize,
        initialState,
      });
      const gated = this.gateOutput(mergeHeads(normalizeHeads(output)), x);
      return { output: this.projectOutput(gated, training), memory: state };
    });
  }

  /** log α = log sigmoid(x·W_down·W_up + b_α) / 16, [batch, seq, dim]. */
  private logGate(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const low = denseTokens(x, this.gateDown!.read() as tf.Tensor2D);
      const logits = denseTokens(
        low,
        this.gateUp!.read() as tf.Tensor2D,
        this.gateBias!.read() as tf.Tensor1D,
      );
      // log sigmoid(z) = −softplus(−z), spelled out: tf.logSigmoid's gradient reads its input without saving it, so
      // once this tidy has freed `logits` the backward pass reads a disposed tensor (tfjs-core 4.22; webgl throws
      // "Cannot read properties of undefined (reading 'backend')").
      const logSigmoid = tf.neg(tf.softplus(tf.neg(logits)));
      return tf.div(logSigmoid, GLA_GATE_TEMPERATURE) as tf.Tensor3D;
    });
  }

  /** o ⊙ swish(x·W_r + b_r) for merged outputs o [batch, seq, dim]. */
  private gateOutput(o: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const r = denseTokens(
        x,
        this.outputGate!.read() as tf.Tensor2D,
        this.outputGateBias!.read() as tf.Tensor1D,
      );
      return tf.mul(o, tf.mul(r, tf.sigmoid(r))) as tf.Tensor3D;
    });
  }

  protected readonly stateSpec = GLA_STATE;

  /**
   * One token xt [batch, dim]: the recurrence itself (`glaRecurrentStep`), O(dim² + heads·p²) per token at any
   * position. `step` (from the base) checks the state ('state.memory' [batch, heads, p, p]) and xt first.
   */
  protected advance(state: GLAState, xt: tf.Tensor2D, batch: number): StepResult<typeof GLA_STATE> {
    const token = tf.expandDims(xt, 1) as tf.Tensor3D;
    const q = tf.mul(this.tokenHeads('query', xt), 1 / Math.sqrt(this.headDim)) as tf.Tensor3D;
    const r = glaRecurrentStep(
      state.memory,
      q,
      this.tokenHeads('key', xt),
      this.tokenHeads('value', xt),
      tf.reshape(this.logGate(token), [batch, this.heads, this.headDim]) as tf.Tensor3D,
    );
    const o = tf.reshape(normalizeHeads(r.output), [batch, 1, this.dim]) as tf.Tensor3D;
    return { output: this.tokenOutput(this.gateOutput(o, token)), state: { memory: r.state } };
  }

  /**
   * Consumes a whole prompt x [batch, seq, dim] (optional mask [batch, seq]) from `state`, chunk-wise, and returns
   * its outputs [batch, seq, dim] and the state after it (`position` advanced by seq) — the same as `step` over every
   * token, in O(seq) chunk work instead of seq sequential steps. Inference only. The state passed in is not disposed;
   * the returned tensors are kept out of any enclosing tidy.
   * @throws the errors of `validateState` for a state that does not fit this layer, RangeError naming 'x' when x is
   *   not [batch, seq, dim] with the state's batch.
   */
  prefill(state: GLAState, x: tf.Tensor, mask?: tf.Tensor): { output: tf.Tensor3D; state: GLAState } {
    this.assertBuilt('prefill');
    const label = this.streamingLabel;
    const batch = this.validateState(state, 'prefill');
    if (!(x instanceof tf.Tensor) || x.rank !== 3 || x.shape[0] !== batch || x.shape[2] !== this.dim) {
      throw new RangeError(
        `${label} prefill: argument 'x' must have shape [batch, seq, dim] = [${batch}, seq, ${this.dim}] (batch is ` +
          `the state's), got ${x instanceof tf.Tensor ? `[${x.shape.join(', ')}]` : String(x)}`,
      );
    }
    const result = tf.tidy(() => {
      const { x: clean, mask: m } = this.unpackInputs(x, mask ? { mask } : {});
      return this.forwardFrom(clean, m, state.memory, false);
    });
    return {
      output: tf.keep(result.output),
      state: { memory: tf.keep(result.memory), position: state.position + x.shape[1]! },
    };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), chunkSize: this.chunkSize, gateRank: this.gateRank };
  }
}

/** LayerNorm without affine over the last (channel) axis of each head: (o − mean) / sqrt(var + 1e-5). */
function normalizeHeads<T extends tf.Tensor>(o: T): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(o, -1, true);
    return tf.div(tf.sub(o, mean), tf.sqrt(tf.add(variance, GLA_NORM_EPSILON))) as T;
  });
}

tf.serialization.registerClass(GatedLinearAttention);
