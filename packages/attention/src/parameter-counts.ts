/**
 * Building blocks for descriptors' `parameterCount`: trainable parameters of the projections a
 * `ProjectedAttention` owns.
 */
export const parameterCounts = {
  /** A [dim, dim] kernel, plus a [dim] bias when `bias`. */
  dense(dim: number, bias: boolean): number {
    return dim * dim + (bias ? dim : 0);
  },
  /** `roles` input projections and an output projection, all [dim, dim], biases when `useBias`. */
  projections(dim: number, roles: number, useBias: boolean, outputBias = useBias): number {
    return roles * parameterCounts.dense(dim, useBias) + parameterCounts.dense(dim, outputBias);
  },
};
