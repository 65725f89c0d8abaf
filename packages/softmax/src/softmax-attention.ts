import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  AttentionLayer,
  batchMatMul,
  causalMaskBias,
  denseTokens,
  keyMaskBias,
  mergeHeads,
  splitHeads,
  type AttentionOptions,
} from '@tost/attention';
import { fusedSoftmaxAttention } from './fused-attention.js';

export interface SoftmaxAttentionOptions extends AttentionOptions {
  /** Token t attends only to tokens ≤ t. */
  causal?: boolean;
}

type LayerVariable = tfl.LayerVariable;

/**
 * Standard multi-head attention (the baseline TSSA is measured against): separate query/key/value projections,
 * scores q·kᵀ/sqrt(p), softmax over keys, optional causal and padding masks, output projection.
 * Weights: query kernel, query bias, key kernel, key bias, value kernel, value bias, output kernel, output bias
 * (biases only when `useBias`); kernels in the tfjs layout [in, out].
 */
export class SoftmaxAttention extends AttentionLayer {
  static className = 'SoftmaxAttention';
  readonly isCausal: boolean;
  private queryKernel?: LayerVariable;
  private queryBias?: LayerVariable;
  private keyKernel?: LayerVariable;
  private keyBias?: LayerVariable;
  private valueKernel?: LayerVariable;
  private valueBias?: LayerVariable;
  private outputKernel?: LayerVariable;
  private outputBias?: LayerVariable;

  constructor(options: SoftmaxAttentionOptions) {
    super(options, { useBias: true });
    if (options.causal !== undefined && typeof options.causal !== 'boolean') {
      throw new TypeError(
        `SoftmaxAttention: option 'causal' must be a boolean, got ${String(options.causal)}`,
      );
    }
    this.isCausal = options.causal ?? false;
  }

  get causal(): boolean {
    return this.isCausal;
  }

  get complexity(): 'quadratic' {
    return 'quadratic';
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.dim;
    const kernel = () => tfl.initializers.glorotUniform({});
    const zeros = () => tfl.initializers.zeros();
    this.queryKernel = this.addWeight('query_kernel', [d, d], 'float32', kernel());
    if (this.useBias) this.queryBias = this.addWeight('query_bias', [d], 'float32', zeros());
    this.keyKernel = this.addWeight('key_kernel', [d, d], 'float32', kernel());
    if (this.useBias) this.keyBias = this.addWeight('key_bias', [d], 'float32', zeros());
    this.valueKernel = this.addWeight('value_kernel', [d, d], 'float32', kernel());
    if (this.useBias) this.valueBias = this.addWeight('value_bias', [d], 'float32', zeros());
    this.outputKernel = this.addWeight('output_kernel', [d, d], 'float32', kernel());
    if (this.useBias) this.outputBias = this.addWeight('output_bias', [d], 'float32', zeros());
    super.build(inputShape);
  }

  protected attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    const read2 = (v?: LayerVariable) => v!.read() as tf.Tensor2D;
    const read1 = (v?: LayerVariable) => v?.read() as tf.Tensor1D | undefined;
    // Scale q, not the [N, N] scores: N·C multiplies instead of N².
    const q = tf.mul(
      splitHeads(denseTokens(x, read2(this.queryKernel), read1(this.queryBias)), this.heads),
      1 / Math.sqrt(this.headDim),
    );
    const k = splitHeads(denseTokens(x, read2(this.keyKernel), read1(this.keyBias)), this.heads);
    const v = splitHeads(denseTokens(x, read2(this.valueKernel), read1(this.valueBias)), this.heads);
    const context = scaledDotProductAttention(q as tf.Tensor4D, k, v, {
      keyBias: mask ? keyMaskBias(mask) : undefined,
      causal: this.isCausal,
      ...(training && this.dropoutRate > 0
        ? { dropout: (a: tf.Tensor4D) => this.maybeDropout(a, training) }
        : {}),
    });
    return denseTokens(mergeHeads(context), read2(this.outputKernel), read1(this.outputBias));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), causal: this.isCausal };
  }
}

/**
 * softmax(q·kᵀ + bias)·v for q, k, v [batch, heads, seq, p] (q already scaled). matMuls only (the wasm backend has
 * no Einsum). On wasm without dropout it runs `fusedSoftmaxAttention` (2-D matMuls, hand-written backward with no
 * N×N transposes); otherwise through `batchMatMul`, which keeps wasm on its fast 2-D matMul path — the baseline must
 * not be slowed down by backend quirks that TSSA happens to avoid. Pass `dropout` only when it is active.
 */
export function scaledDotProductAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  {
    keyBias,
    causal = false,
    dropout,
  }: { keyBias?: tf.Tensor4D; causal?: boolean; dropout?: (a: tf.Tensor4D) => tf.Tensor4D },
): tf.Tensor4D {
  return tf.tidy(() => {
    if (!dropout && tf.getBackend() === 'wasm') {
      // wasm: per-head 2-D matMuls with a backward that never transposes an N×N matrix (fused-attention.ts).
      const causalBias = causal ? causalMaskBias(q.shape[2]) : undefined;
      const bias =
        keyBias && causalBias ? (tf.add(keyBias, causalBias) as tf.Tensor4D) : (keyBias ?? causalBias);
      return fusedSoftmaxAttention(q, k, v, bias);
    }
    let scores = batchMatMul(q, k, false, true);
    if (keyBias) scores = tf.add(scores, keyBias);
    if (causal) scores = tf.add(scores, causalMaskBias(q.shape[2]));
    let weights = tf.softmax(scores) as tf.Tensor4D;
    if (dropout) weights = dropout(weights);
    return batchMatMul(weights, v);
  });
}

tf.serialization.registerClass(SoftmaxAttention);
