import type * as tf from '@tensorflow/tfjs-core';
import type { AttentionCallKwargs } from './attention-layer.js';
import type { ProjectionLayout } from './projected-attention.js';

/**
 * The weight layout of the rate-reduction attentions (CRATE's MSSA, arXiv 2306.01129 §2.3; ToST's TSSA and causal
 * TSSA, arXiv 2412.17810 §3): ONE projection U serving as query, key and value (`qkv`), then the variant's own
 * weights (TSSA's temperature), then an output projection that always has a bias.
 */
export const RATE_REDUCTION_PROJECTIONS = {
  roles: ['qkv'],
  outputBiasAlways: true,
  coreWeightsBeforeOutput: true,
} as const satisfies ProjectionLayout;

/**
 * What a white-box attention's forward computes besides its output, by the rate-reduction step it takes:
 * - `tssa`: token statistics self-attention (ToST, Wu et al., ICLR 2025, arXiv 2412.17810, §3), a variational
 *   compression step with a soft membership Π of every token over the heads;
 * - `mssa`: CRATE's multi-head subspace self-attention (Yu et al., arXiv 2306.01129, §2.3), a compression step on
 *   the subspaces U_k (the shared projection split into heads).
 */
export interface RateReductionIntermediates {
  tssa: {
    /** The layer output, [batch, seq, dim]. */
    output: tf.Tensor3D;
    /** Membership Π, [batch, heads, seq]: Σ over heads = 1 at real tokens, 0 at padded ones. */
    membership: tf.Tensor3D;
  };
  mssa: {
    /** The layer output, [batch, seq, dim]. */
    output: tf.Tensor3D;
  };
}

/** The rate-reduction steps an attention can declare. */
export type RateReductionKind = keyof RateReductionIntermediates;

/**
 * An attention layer that is one step of a rate-reduction objective (read by `@tost/analysis`: membership maps,
 * layer-wise compression). Its projection is the `qkv_kernel` weight [dim, dim] (and `qkv_bias` [dim] when present),
 * split into `heads` subspaces of width `headDim`.
 */
export interface RateReductionAttention<K extends RateReductionKind = RateReductionKind> {
  /** Which rate-reduction step the layer takes. */
  readonly rateReductionKind: K;
  readonly heads: number;
  readonly headDim: number;
  /**
   * The forward pass (same inputs, validation and dropout as `apply`; the layer must be built) returning the output
   * and the kind's intermediates. The caller owns the returned tensors.
   */
  callAndReturnIntermediates(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs?: AttentionCallKwargs,
  ): RateReductionIntermediates[K];
}

const KINDS: readonly string[] = ['tssa', 'mssa'] satisfies RateReductionKind[];

/** Whether `layer` implements `RateReductionAttention` (of the given kind, when `kind` is given). */
export function isRateReductionAttention<K extends RateReductionKind = RateReductionKind>(
  layer: unknown,
  kind?: K,
): layer is RateReductionAttention<K> {
  const l = layer as Partial<RateReductionAttention> | null;
  return (
    l != null &&
    typeof l === 'object' &&
    typeof l.rateReductionKind === 'string' &&
    KINDS.includes(l.rateReductionKind) &&
    (kind === undefined || l.rateReductionKind === kind) &&
    typeof l.callAndReturnIntermediates === 'function'
  );
}
