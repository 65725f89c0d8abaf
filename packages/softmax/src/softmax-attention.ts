import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  causalAllowed,
  keyAllowed,
  type AttentionOptions,
  type ProjectedHeads,
} from '@tost/attention';
import { finiteOrZero, maskedSoftmax } from '@tost/ops';
import { fusedSoftmaxAttention } from './fused-attention.js';

export interface SoftmaxAttentionOptions extends AttentionOptions {
  /** Token t attends only to tokens ≤ t. */
  causal?: boolean;
}

/**
 * Standard multi-head attention (Vaswani et al., "Attention Is All You Need", arXiv 1706.03762, §3.2) — the baseline
 * TSSA is measured against: separate query/key/value projections, scores q·kᵀ/sqrt(p), softmax over keys, optional
 * causal and padding masks (exact: disallowed keys are selected away, see `maskedSoftmax`), output projection.
 * Weights: query kernel, query bias, key kernel, key bias, value kernel, value bias, output kernel, output bias
 * (biases only when `useBias`); kernels in the tfjs layout [in, out].
 */
export class SoftmaxAttention extends ProjectedAttention {
  static className = 'SoftmaxAttention';
  static override readonly traits = { causal: 'option', complexity: 'quadratic', useBias: true } as const;
  static override optionNames: readonly string[] = ['causal'];

  constructor(options: SoftmaxAttentionOptions) {
    super(options);
  }

  protected attendProjected(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor4D {
    // Scale q, not the [N, N] scores: N·C multiplies instead of N².
    const q = tf.mul(heads.query!, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    return scaledDotProductAttention(q, heads.key!, heads.value!, {
      keyMask: mask,
      causal: this.causal,
      ...(training && this.dropoutRate > 0
        ? { dropout: (a: tf.Tensor4D) => this.maybeDropout(a, training) }
        : {}),
    });
  }
}

/**
 * softmax(q·kᵀ)·v for q, k, v [batch, heads, seq, p] (q already scaled), over the real keys (`keyMask` [batch, seq],
 * 1 = token) and, when `causal`, keys ≤ the query; masking is exact (`maskedSoftmax`). matMuls only (the wasm
 * backend has no Einsum). On wasm without dropout it runs `fusedSoftmaxAttention` (groups of heads, hand-written backward with no
 * N×N transposes); otherwise through `tf.matMul`, which @tost/backend keeps on wasm's fast 2-D matMul path — the baseline must
 * not be slowed down by backend quirks that TSSA happens to avoid. Pass `dropout` only when it is active.
 */
export function scaledDotProductAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  {
    keyMask,
    causal = false,
    dropout,
  }: { keyMask?: tf.Tensor2D; causal?: boolean; dropout?: (a: tf.Tensor4D) => tf.Tensor4D },
): tf.Tensor4D {
  return tf.tidy(() => {
    // Future tokens (causal) may hold anything: zero non-finite values so 0·NaN cannot reach earlier outputs.
    if (causal) v = finiteOrZero(v);
    const keys = keyMask ? keyAllowed(keyMask) : undefined;
    const past = causal ? causalAllowed(q.shape[2]) : undefined;
    const allowed = keys && past ? (tf.logicalAnd(keys, past) as tf.Tensor4D) : (keys ?? past);
    if (!dropout && tf.getBackend() === 'wasm') {
      // wasm: groups of heads with a backward that never transposes an N×N matrix (fused-attention.ts).
      return fusedSoftmaxAttention(q, k, v, allowed);
    }
    const scores = tf.matMul(q, k, false, true);
    let weights = (allowed ? maskedSoftmax(scores, allowed) : tf.softmax(scores)) as tf.Tensor4D;
    if (dropout) weights = dropout(weights);
    return tf.matMul(weights, v);
  });
}

tf.serialization.registerClass(SoftmaxAttention);
