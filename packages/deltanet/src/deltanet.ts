import * as tf from '@tensorflow/tfjs-core';
import { DeltaRuleAttention } from './delta-rule-attention.js';

/**
 * DeltaNet (Yang, Wang, Zhang, Shen, Kim, "Parallelizing Linear Transformers with the Delta Rule over Sequence
 * Length", NeurIPS 2024, arXiv 2406.06484; the delta rule of Schlag, Irie, Schmidhuber 2021, arXiv 2102.11174):
 * causal linear attention whose [p, p] memory per head is corrected rather than accumulated —
 * `S_t = S_{t−1} + β_t (v_t − S_{t−1}k_t) k_tᵀ` moves the value stored under key k_t towards v_t (written here with
 * the transposed state, key rows). `q ← l2(silu(q))/√p`, `k ← l2(silu(k))`, `β = sigmoid(X·Wβ + bβ)` per head,
 * `o_t = S_t q_t`, then a per-head RMS norm with a shared gain g [p] and the output projection.
 *
 * Training runs the chunk-wise WY/UT form (§3, `chunkedDeltaRule`, hand-written gradient, O(N) time and memory);
 * `step` advances the memory token by token (streaming), `prefill` a block of tokens chunk-wise.
 *
 * Weights, in order: query/key/value kernels [dim, dim] and biases, output kernel and bias (biases with `useBias`,
 * default true), then `beta_kernel` [dim, heads], `beta_bias` [heads], `norm_gain` [p] (ones).
 */
export class DeltaNet extends DeltaRuleAttention {
  static className = 'DeltaNet';
}

tf.serialization.registerClass(DeltaNet);
