import type { AttentionLayer } from '../attention-layer.js';

/**
 * The layer's weights in `getWeights()` order as [name without the layer's scope, shape], building the layer for
 * inputs of width `dim` first if needed: what a "weights in the documented order" test compares.
 */
export function weightList(layer: AttentionLayer, dim: number): [string, number[]][] {
  if (!layer.built) layer.build([null, null, dim]);
  return layer.weights.map((w) => [w.originalName.split('/').pop()!, w.shape as number[]]);
}

/** The names of `weightList`. */
export function weightNames(layer: AttentionLayer, dim: number): string[] {
  return weightList(layer, dim).map(([name]) => name);
}

/**
 * The expected `weightList` entries of square projections of width `dim`, one per role in order: `${role}_kernel`
 * [dim, dim], then (unless `bias` is false) `${role}_bias` [dim]. Default roles: query, key, value, output (the
 * `ProjectedAttention` layout). `projectionWeights(6, { roles: ['key', 'value'] })` → key_kernel [6, 6], key_bias [6],
 * value_kernel [6, 6], value_bias [6].
 */
export function projectionWeights(
  dim: number,
  {
    roles = ['query', 'key', 'value', 'output'],
    bias = true,
  }: { roles?: readonly string[]; bias?: boolean } = {},
): [string, number[]][] {
  return roles.flatMap((role): [string, number[]][] => [
    [`${role}_kernel`, [dim, dim]],
    ...(bias ? [[`${role}_bias`, [dim]] as [string, number[]]] : []),
  ]);
}
