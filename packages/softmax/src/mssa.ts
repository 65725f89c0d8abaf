import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  RATE_REDUCTION_PROJECTIONS,
  type AttentionCallKwargs,
  type AttentionOptions,
  type ProjectedHeads,
  type RateReductionAttention,
  type RateReductionIntermediates,
} from '@tost/attention';
import { scaledDotProductAttention } from './softmax-attention.js';

/**
 * CRATE's multi-head subspace self-attention (Yu et al., "White-Box Transformers via Sparse Rate Reduction",
 * arXiv 2306.01129, §2.3; the authors' `model/crate.py`): ONE bias-free projection W = X·U serves as query, key and
 * value; per head softmax(W·Wᵀ/sqrt(p))·W over the real tokens; heads merged; output projection with bias.
 * Weights: qkv kernel [dim, dim], output kernel [dim, dim], output bias [dim]. As in the reference code the output
 * projection is omitted when heads = 1 (then p = dim), leaving only the qkv kernel.
 */
export class MSSA extends ProjectedAttention implements RateReductionAttention<'mssa'> {
  static className = 'MSSA';
  static override readonly traits = { causal: false, complexity: 'quadratic', useBias: false } as const;
  static override readonly projections = RATE_REDUCTION_PROJECTIONS;
  /** The rate-reduction step this layer takes, for @tost/analysis (subspaces U = the shared projection). */
  readonly rateReductionKind = 'mssa';

  constructor(options: AttentionOptions) {
    if (options?.useBias === true) {
      throw new RangeError(
        `MSSA: option 'useBias' cannot be true: the shared projection has no bias (CRATE, arXiv 2306.01129)`,
      );
    }
    super({ ...options, useBias: false });
  }

  /** Whether there is an output projection (all but the single-head case). */
  get projectsOut(): boolean {
    return this.heads > 1;
  }

  protected override get hasOutputProjection(): boolean {
    return this.projectsOut;
  }

  /** The forward pass as `apply` (eager), as the analysis contract's intermediates: only the output. */
  callAndReturnIntermediates(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: AttentionCallKwargs = {},
  ): RateReductionIntermediates['mssa'] {
    return { output: this.apply(inputs, kwargs) as tf.Tensor3D };
  }

  protected attendProjected(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor4D {
    const w = heads.qkv!;
    const q = tf.mul(w, 1 / Math.sqrt(this.headDim)) as tf.Tensor4D;
    return scaledDotProductAttention(q, w, w, {
      keyMask: mask,
      ...(training && this.dropoutRate > 0
        ? { dropout: (a: tf.Tensor4D) => this.maybeDropout(a, training) }
        : {}),
    });
  }
}

tf.serialization.registerClass(MSSA);
