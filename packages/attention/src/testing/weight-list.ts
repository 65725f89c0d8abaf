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
