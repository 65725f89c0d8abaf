import * as tf from '@tensorflow/tfjs-core';
import { finiteOrZero } from '@tost/ops';
import { blockAttentionBackward, blockAttentionForward } from './block-softmax-core.js';
import { fromResidueGroups, maskToResidueGroups, toResidueGroups } from './residue-groups.js';
import {
  bandAllowed,
  fromKeyBlocks,
  fromQueryBlocks,
  keyBlocks,
  planBlocks,
  queryBlocks,
  type BlockPlan,
} from './sliding-window.js';

type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor4D>>[0];

export interface LocalCoreOptions {
  /** Keys at most `window` steps away (in units of `dilation` tokens) on each side; positive integer. */
  window: number;
  /** Only every `dilation`-th token: (i − j) mod d = 0; positive integer. */
  dilation: number;
  /** [batch, seq], 1 = real token, 0 = padding: padded keys are never attended to. Undefined: all real. */
  keyMask?: tf.Tensor2D;
  /** Query i only sees keys j ≤ i. */
  causal?: boolean;
  /** Factor applied to q inside the core (e.g. 1/√p), so autodiff keeps no scaled copy of q. Default 1. */
  scale?: number;
}

/**
 * Dilated sliding-window attention (Longformer, Beltagy et al., arXiv 2004.05150, §3.1; dilation as in DiNAT,
 * Hassani & Shi, arXiv 2209.15001, §3): query i attends to the real keys j with |i − j| ≤ w·d and (i − j) mod d = 0
 * (and j ≤ i when causal), softmax(q_i·k_j) over exactly those keys; a query without any such key gets 0.
 * q, k, v [batch, heads, seq, p] → [batch, heads, seq, p]; q is multiplied by `scale` first (the layer passes 1/√p).
 *
 * Cost O(N·w·p) time and O(N·w) memory per head, never an N×N matrix: tokens are regrouped by residue mod d (each
 * class is a plain sliding window of w), cut into blocks of ≥ w queries, and each block attends to its neighbouring
 * key blocks (≤ 3 blocks, 2 when causal), one key offset at a time with an exact band mask. One custom gradient
 * covers all of it (regrouping included), keeping only q, k, v, the output and the weights: O(N·w) per head.
 * When causal, non-finite keys and values are replaced by 0 first (a future token may hold anything, and its weight 0
 * times NaN would be NaN); their gradient there is 0. Otherwise keys and values a query may not see must be finite.
 */
export function localAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { window, dilation, keyMask, causal = false, scale = 1 }: LocalCoreOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, seq] = q.shape;
    const plan = planBlocks(Math.ceil(seq / dilation), window, causal);
    const real = maskToResidueGroups(keyMask, batch, seq, heads, dilation);
    // The real-key mask is an input (and saved) so that it outlives this call until the backward pass.
    const core = tf.customGrad(((
      qi: tf.Tensor4D,
      ki: tf.Tensor4D,
      vi: tf.Tensor4D,
      realGroups: tf.Tensor2D,
      save: tf.GradSaveFunc,
    ) => {
      const layout = new BlockLayout(plan, window, dilation, causal, qi.shape, realGroups);
      const [qb, kb, vb] = [layout.queries(qi, scale), layout.keys(ki, causal), layout.keys(vi, causal)];
      const result = blockAttentionForward(qb, kb, vb, layout.real, layout.band);
      const value = layout.fromQueries(tf.reshape(result.out, qb.shape) as tf.Tensor4D);
      tf.dispose([qb, kb, vb]);
      layout.dispose();
      save([qi, ki, vi, realGroups, result.out, ...result.weights]);
      return {
        value,
        gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
          const [sq, sk, sv, sreal, out, ...weights] = saved as [
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor4D,
            tf.Tensor2D,
            ...tf.Tensor3D[],
          ];
          const again = new BlockLayout(plan, window, dilation, causal, sq.shape, sreal);
          const [qb2, kb2, vb2] = [again.queries(sq, scale), again.keys(sk, causal), again.keys(sv, causal)];
          const dO = tf.tidy(() => tf.reshape(again.queries(dy), out.shape) as tf.Tensor3D);
          const [dqb, dkb, dvb] = blockAttentionBackward(dO, qb2, kb2, vb2, { out, weights });
          tf.dispose([qb2, kb2, vb2, dO]);
          const grads = [
            again.fromQueries(dqb, scale),
            again.fromKeys(dkb, causal ? sk : undefined),
            again.fromKeys(dvb, causal ? sv : undefined),
            tf.zerosLike(sreal),
          ];
          tf.dispose([dqb, dkb, dvb]);
          again.dispose();
          return grads;
        },
      };
    }) as unknown as CustomGradientFunction);
    return core(q, k, v, real) as tf.Tensor4D;
  });
}

/**
 * Moves [batch, heads, seq, p] tensors into the block layout and back: regrouped by residue mod d, queries in blocks
 * [G, blocks, size, p], keys and values in key blocks [G, T, size, p]; holds the real-key blocks and the band mask.
 */
class BlockLayout {
  readonly real: tf.Tensor4D;
  readonly band: tf.Tensor2D;
  private readonly length: number;

  constructor(
    private readonly plan: BlockPlan,
    window: number,
    private readonly dilation: number,
    private readonly causal: boolean,
    private readonly shape: [number, number, number, number],
    realGroups: tf.Tensor2D,
  ) {
    this.length = realGroups.shape[1];
    this.real = tf.tidy(() => keyBlocks(tf.expandDims(realGroups, 2) as tf.Tensor3D, plan, causal));
    this.band = bandAllowed(plan, window, causal);
  }

  /** Queries (times `scale`) in blocks. */
  queries(t: tf.Tensor4D, scale = 1): tf.Tensor4D {
    return tf.tidy(() =>
      queryBlocks(toResidueGroups(scale === 1 ? t : tf.mul(t, scale), this.dilation), this.plan),
    );
  }

  /** Keys or values in key blocks; with `zeroNonFinite`, NaN and ±Infinity become 0 first. */
  keys(t: tf.Tensor4D, zeroNonFinite = false): tf.Tensor4D {
    return tf.tidy(() =>
      keyBlocks(toResidueGroups(zeroNonFinite ? finiteOrZero(t) : t, this.dilation), this.plan, this.causal),
    );
  }

  /** Inverse of `queries` (times `scale`). */
  fromQueries(t: tf.Tensor4D, scale = 1): tf.Tensor4D {
    return tf.tidy(() => {
      const back = fromResidueGroups(fromQueryBlocks(t, this.length), this.shape, this.dilation);
      return scale === 1 ? back : (tf.mul(back, scale) as tf.Tensor4D);
    });
  }

  /** Inverse of `keys` for gradients; with `original`, the gradient is 0 where it held a non-finite value. */
  fromKeys(t: tf.Tensor4D, original?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const back = fromResidueGroups(
        fromKeyBlocks(t, this.plan, this.causal, this.length),
        this.shape,
        this.dilation,
      );
      return original ? (tf.where(tf.isFinite(original), back, tf.zerosLike(back)) as tf.Tensor4D) : back;
    });
  }

  dispose(): void {
    tf.dispose([this.real, this.band]);
  }
}
