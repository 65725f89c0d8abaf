import * as tf from '@tensorflow/tfjs-core';
import { blockSoftmaxAttention } from './block-softmax-core.js';
import { fromResidueGroups, maskToResidueGroups, toResidueGroups } from './residue-groups.js';
import { bandAllowed, fromQueryBlocks, keyBlocks, planBlocks, queryBlocks } from './sliding-window.js';

export interface LocalCoreOptions {
  /** Keys at most `window` steps away (in units of `dilation` tokens) on each side; positive integer. */
  window: number;
  /** Only every `dilation`-th token: (i − j) mod d = 0; positive integer. */
  dilation: number;
  /** [batch, seq], 1 = real token, 0 = padding: padded keys are never attended to. Undefined: all real. */
  keyMask?: tf.Tensor2D;
  /** Query i only sees keys j ≤ i. */
  causal?: boolean;
}

/**
 * Dilated sliding-window attention (Longformer, Beltagy et al., arXiv 2004.05150, §3.1; dilation as in DiNAT,
 * Hassani & Shi, arXiv 2209.15001, §3): query i attends to the real keys j with |i − j| ≤ w·d and (i − j) mod d = 0
 * (and j ≤ i when causal), softmax(q_i·k_j) over exactly those keys; a query without any such key gets 0.
 * q, k, v [batch, heads, seq, p] with q already scaled by 1/√p → [batch, heads, seq, p].
 *
 * Cost O(N·w·p) time and O(N·w) memory per head, never an N×N matrix: tokens are regrouped by residue mod d (each
 * class is a plain sliding window of w), cut into blocks of ≥ w queries, and each block attends to its neighbouring
 * key blocks (≤ 3 blocks, 2 when causal), one key offset at a time with an exact band mask (`blockSoftmaxAttention`, hand-written backward).
 * Keys and values a query may not see must be finite (a causal caller zeroes non-finite ones first).
 */
export function localAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { window, dilation, keyMask, causal = false }: LocalCoreOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, seq] = q.shape;
    const length = Math.ceil(seq / dilation);
    const plan = planBlocks(length, window, causal);
    const real = tf.expandDims(maskToResidueGroups(keyMask, batch, seq, heads, dilation), 2) as tf.Tensor3D;
    const out = blockSoftmaxAttention(
      queryBlocks(toResidueGroups(q, dilation), plan),
      keyBlocks(toResidueGroups(k, dilation), plan, causal),
      keyBlocks(toResidueGroups(v, dilation), plan, causal),
      keyBlocks(real, plan, causal),
      bandAllowed(plan, window, causal),
    );
    return fromResidueGroups(fromQueryBlocks(out, length), q.shape, dilation);
  });
}
