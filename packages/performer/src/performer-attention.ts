import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  describeValue,
  isPositiveInteger,
  StreamingProjectedAttention,
  type AttentionOptions,
  type ProjectedHeads,
  type StateSizes,
  type StateSpec,
  type StepResult,
  type StreamingState,
} from '@tost/attention';
import {
  chunkLinearAttention,
  finiteOrZero,
  nonCausalLinearAttention,
  recurrentLinearAttentionStep,
} from '@tost/ops';
import { favorKeyFeatures, favorLogits, favorQueryFeatures } from './favor-features.js';
import { drawOrthogonalFeatures } from './orthogonal-features.js';

export interface PerformerOptions extends AttentionOptions {
  /** Number of random features m (positive integer). Default 4·p, p = dim/heads. */
  features?: number;
  /** Seed of the orthogonal draw of Ω (integer ≥ 0). Default: a random one, recorded in `getConfig()`. */
  seed?: number;
  /** Token t attends only to tokens ≤ t (fixed by the registered name `performer-causal`). Default false. */
  causal?: boolean;
}

/**
 * Tokens per chunk of the causal core for head dimension p: 2p rounded up to a power of two, between 16 and 128. A
 * chunk of c tokens costs c×c products over the m + p feature and value columns inside and one [m, p + 1] state step
 * across: with the default m = 4p, chunks of about 2p balance the two (on the wasm backend, one core, c = 32 ran the
 * causal core's forward and backward at p = 16 about 1.7–2× faster than c = 128, at N = 192 and N = 1,024).
 * @throws RangeError unless p is a positive integer.
 */
export function performerChunkSize(p: number): number {
  if (!isPositiveInteger(p)) {
    throw new RangeError(
      `performerChunkSize: argument 'p' (head dimension) must be a positive integer, got ${describeValue(p)}`,
    );
  }
  let c = 16;
  while (c < 2 * p && c < 128) c *= 2;
  return c;
}

/**
 * Streaming state: per sample and head S = Σ_s e^(ℓ_s − M)·[v_s, 1] [batch, heads, m, p + 1] (features times values,
 * last column the normaliser) at the scale of the running maximum M [batch, heads] of the key logits.
 */
const PERFORMER_STATE = {
  sum: { shape: ['batch', 'heads', 'features', 'headDim + 1'] },
  scale: { shape: ['batch', 'heads'], initial: -1e30 },
} as const satisfies StateSpec;
export type PerformerState = StreamingState<typeof PERFORMER_STATE>;

/**
 * Performer attention with FAVOR+ (Choromanski et al., "Rethinking Attention with Performers", ICLR 2021, arXiv
 * 2009.14794, §2.3–2.4): softmax attention's kernel exp(q·k/√p) approximated by positive orthogonal random features
 * φ(u) = exp(ũ·Ω − ‖ũ‖²/2)/√m, ũ = u/p^¼, with Ω [p, m] shared by all heads. Per head
 * `O_i = Σ_j (φ(q_i)·φ(k_j)) v_j / Σ_j (φ(q_i)·φ(k_j))` over real keys j (j ≤ i when causal), computed as
 * φ(Q)·(φ(K)ᵀ·[V, 1]) — O(N·m·p), never an N×N matrix. Max-subtraction stabilisers (per query row; per sample and
 * head over the real keys, a running maximum when causal) keep every exponential ≤ 1 and cancel in the ratio.
 *
 * Ω is the non-trainable weight `random_features` [p, m], drawn at build time from the seeded orthogonal generator
 * (`drawOrthogonalFeatures`) and saved with the model, so a loaded model reproduces its outputs exactly;
 * `redrawFeatures(seed?)` draws it again (e.g. periodically during training, as the paper suggests).
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true), `random_features` [p, m] (non-trainable).
 */
export class PerformerAttention extends StreamingProjectedAttention<typeof PERFORMER_STATE> {
  static className = 'PerformerAttention';
  static override readonly traits = { causal: 'option', complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['features', 'seed', 'causal'];
  /** Number of random features m. */
  readonly features: number;
  private featureSeed: number;
  private omega?: tfl.LayerVariable;

  constructor(options: PerformerOptions) {
    super(options);
    this.features = this.positiveIntegerOption(
      options,
      'features',
      'number of random features m',
      4 * this.headDim,
    );
    const { seed } = options;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) {
      throw new RangeError(`PerformerAttention: option 'seed' must be an integer ≥ 0, got ${String(seed)}`);
    }
    this.featureSeed = seed ?? randomSeed();
  }

  /** The seed of the current Ω. */
  get seed(): number {
    return this.featureSeed;
  }

  protected override buildCoreWeights(): void {
    this.omega = this.addWeight(
      'random_features',
      [this.headDim, this.features],
      'float32',
      tfl.initializers.zeros(),
      undefined,
      false,
    );
    this.writeFeatures(this.featureSeed);
  }

  /**
   * Draws Ω again from `seed` (default: a new random seed) and stores it in `random_features`; `seed` and the
   * config follow. Needs a built layer.
   * @throws RangeError for a seed that is not an integer ≥ 0.
   */
  redrawFeatures(seed: number = randomSeed()): void {
    this.assertBuilt('redrawFeatures');
    if (!(Number.isInteger(seed) && seed >= 0)) {
      throw new RangeError(
        `${this.layerClass} '${this.name}': redrawFeatures argument 'seed' must be an integer ≥ 0, got ${String(seed)}`,
      );
    }
    this.writeFeatures(seed);
  }

  private writeFeatures(seed: number): void {
    const omega = drawOrthogonalFeatures(this.headDim, this.features, seed);
    this.omega!.write(omega);
    omega.dispose();
    this.featureSeed = seed;
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    const omega = this.omega!.read() as tf.Tensor2D;
    // Causal: the features come out finite (non-finite ones zeroed inside their op) and so do the values, so the
    // chunked core keeps these tensors instead of cleaned copies ([N, m] per head each, the step's largest).
    const q = favorQueryFeatures(heads.query!, omega, this.causal);
    const { features: k, logDecay } = favorKeyFeatures(heads.key!, omega, { causal: this.causal, mask });
    const v = this.causal ? finiteOrZero(heads.value!) : heads.value!;
    const [batch, h, seq, p] = v.shape;
    const withOnes = tf.concat([v, tf.ones([batch, h, seq, 1])], 3) as tf.Tensor4D;
    const out = this.causal
      ? chunkLinearAttention(q, k, withOnes, {
          chunkSize: performerChunkSize(p),
          logDecay,
          inputsFinite: true,
        })
      : nonCausalLinearAttention(q, k, withOnes);
    return ratio(out, p);
  }

  protected readonly stateSpec = PERFORMER_STATE;

  protected override stateSizes(): StateSizes {
    return { features: this.features, 'headDim + 1': this.headDim + 1 };
  }

  protected override get streamingUnavailable(): string | undefined {
    return this.causal ? undefined : "needs the causal form ('performer-causal')";
  }

  /**
   * One token: M' = max(M, max_r ℓ_k), S ← e^(M − M')·S + e^(ℓ_k − M')ᵀ·[v, 1], o = φ(q)·S as a ratio.
   * O(heads·m·p) per token at any position.
   */
  protected advance(
    state: PerformerState,
    xt: tf.Tensor2D,
    batch: number,
  ): StepResult<typeof PERFORMER_STATE> {
    const omega = this.omega!.read() as tf.Tensor2D;
    const split = (role: 'query' | 'key' | 'value') =>
      tf.reshape(this.tokenHeads(role, xt), [batch, this.heads, 1, this.headDim]) as tf.Tensor4D;
    const squeeze = (t: tf.Tensor) => tf.squeeze(t, [2]) as tf.Tensor3D;
    const q = squeeze(favorQueryFeatures(split('query'), omega));
    const logits = squeeze(favorLogits(split('key'), omega)); // [batch, heads, m]
    const scale = tf.maximum(state.scale, tf.max(logits, -1)) as tf.Tensor2D;
    const k = tf.div(
      tf.exp(tf.sub(logits, tf.expandDims(scale, 2))),
      Math.sqrt(this.features),
    ) as tf.Tensor3D;
    const v = tf.concat([squeeze(split('value')), tf.ones([batch, this.heads, 1])], 2) as tf.Tensor3D;
    const lambda = tf.exp(tf.sub(state.scale, scale)) as tf.Tensor2D;
    const r = recurrentLinearAttentionStep(state.sum, q, k, v, lambda);
    const o = ratio(tf.expandDims(r.output, 2) as tf.Tensor4D, this.headDim);
    return { output: this.tokenOutput(o), state: { sum: r.state, scale } };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), features: this.features, seed: this.featureSeed };
  }
}

/**
 * [num, den] [batch, heads, seq, p + 1] → num / den, with den replaced by 1 where it is 0: a row that saw no key (a
 * padded row: a sample of padding only, or a leading padded token when causal) has num = 0 exactly, so its output is
 * 0 and its gradients are finite zeros. (A floor max(den, ε) would give the same values, but tfjs's division gradient
 * −dy·num/max(den, ε)² underflows to 0/0 = NaN there.) Rows with den > 0 are num / den unchanged.
 */
function ratio(out: tf.Tensor4D, p: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, seq] = out.shape;
    const num = tf.slice(out, [0, 0, 0, 0], [batch, heads, seq, p]);
    const den = tf.slice(out, [0, 0, 0, p], [batch, heads, seq, 1]);
    // den ≥ 0; `greaterEqual` (not `greater`) because tfjs registers a gradient for it.
    const guarded = tf.where(tf.greaterEqual(0, den), tf.onesLike(den), den);
    return tf.div(num, guarded) as tf.Tensor4D;
  });
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

tf.serialization.registerClass(PerformerAttention);
