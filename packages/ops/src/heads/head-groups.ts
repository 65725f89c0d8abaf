import * as tf from '@tensorflow/tfjs-core';

/**
 * Default bound on the elements of the [rows, keys] matrices (scores, weights) of one group of (batch, head) slices:
 * 2²⁰ floats, 4 MiB. With it, short sequences run many slices per batched matMul (one call per slice would spend
 * its time in per-call overhead), and a slice of N² > 2¹⁹ elements (from 725 tokens on) runs alone, as a per-head
 * loop. Each group's transient [rows, keys] tensors (scores, masks, softmax) add a few times 4 MiB to the peak
 * memory at most.
 */
export const DEFAULT_GROUP_ELEMENTS = 1 << 20;

/**
 * Checks a group bound given to a grouped core: a positive number. `label` names the function and the argument or
 * option, e.g. "groupedAttention: argument 'maxGroupElements'".
 *
 * @throws RangeError "<label> must be a positive number, got <value>" otherwise.
 */
export function checkGroupBound(value: unknown, label: string): void {
  if (!(typeof value === 'number' && value > 0)) {
    throw new RangeError(`${label} must be a positive number, got ${String(value)}`);
  }
}

/**
 * A run of the B·H (batch, head) slices of a [B, H, …] tensor in (batch, head) order: slices [start, end). Either
 * whole batch elements (every head of each) or heads of a single batch element.
 */
export interface HeadGroup {
  start: number;
  end: number;
}

/**
 * Splits the B·H slices into groups of at most `maxElements / elementsPerSlice` slices (at least one each): whole
 * batch elements when all the heads of one fit, otherwise runs of heads of one batch element. Quadratic attention
 * cores use it to bound their transient [rows, keys] matrices while batching small ones.
 *
 * @param elementsPerSlice elements of one slice's largest intermediate (rows·keys for attention scores).
 * @param maxElements bound on a group's elements; default `DEFAULT_GROUP_ELEMENTS` (2²⁰).
 * @throws RangeError when batch or heads is not a positive integer, or elementsPerSlice or maxElements is not a
 *   positive number.
 */
export function headGroups(
  batch: number,
  heads: number,
  elementsPerSlice: number,
  maxElements: number = DEFAULT_GROUP_ELEMENTS,
): HeadGroup[] {
  for (const [name, value, integer] of [
    ['batch', batch, true],
    ['heads', heads, true],
    ['elementsPerSlice', elementsPerSlice, false],
    ['maxElements', maxElements, false],
  ] as const) {
    if (!(typeof value === 'number' && value > 0 && (!integer || Number.isInteger(value)))) {
      throw new RangeError(
        `headGroups: argument '${name}' must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`,
      );
    }
  }
  const perGroup = Math.max(1, Math.floor(maxElements / elementsPerSlice));
  const groups: HeadGroup[] = [];
  if (perGroup >= heads) {
    const elements = Math.floor(perGroup / heads);
    for (let b = 0; b < batch; b += elements) {
      groups.push({ start: b * heads, end: Math.min(batch, b + elements) * heads });
    }
  } else {
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h += perGroup) {
        groups.push({ start: b * heads + h, end: b * heads + Math.min(heads, h + perGroup) });
      }
    }
  }
  return groups;
}

/** [B, H, N, p] → [B·H, N, p], the slices in (batch, head) order (a reshape: no copy). */
export function flattenHeads(t: tf.Tensor4D): tf.Tensor3D {
  const [b, h, n, p] = t.shape;
  return tf.reshape(t, [b * h, n, p]);
}

/** The group's slices [end − start, N, p] of a `flattenHeads` tensor [B·H, N, p]. */
export function groupSlices(t: tf.Tensor3D, group: HeadGroup): tf.Tensor3D {
  return tf.slice(t, [group.start, 0, 0], [group.end - group.start, t.shape[1], t.shape[2]]);
}

/**
 * The group's part of a tensor broadcastable to [B, H, r, c] whose two leading axes are each 1 or full (a key mask
 * [B, 1, 1, N], a causal mask [1, 1, N, N], a per-sample bias [B, 1, 1, 1]): [1, r, c] when both are 1 (it broadcasts
 * over the group as it is), otherwise [end − start, r, c], one entry per slice of the group.
 *
 * @param heads H of the flattened tensors.
 * @throws RangeError when the group spans batch elements without being whole elements (not a `headGroups` group).
 */
export function groupPart(t: tf.Tensor4D, heads: number, group: HeadGroup): tf.Tensor3D {
  const [tb, th, rows, cols] = t.shape;
  if (tb === 1 && th === 1) return tf.reshape(t, [1, rows, cols]);
  return tf.tidy(() => {
    const b0 = Math.floor(group.start / heads);
    const b1 = Math.floor((group.end - 1) / heads) + 1;
    // Whole batch elements [b0, b1) (h0 = 0, h1 = heads), or heads [h0, h1) of the single element b0.
    const h0 = group.start - b0 * heads;
    const h1 = group.end - (b1 - 1) * heads;
    if (b1 - b0 > 1 && (h0 !== 0 || h1 !== heads)) {
      throw new RangeError(
        `groupPart: group [${group.start}, ${group.end}) must be whole batch elements or heads of one element ` +
          `(heads = ${heads}), as headGroups makes them`,
      );
    }
    const piece = tf.slice(
      t,
      [tb === 1 ? 0 : b0, th === 1 ? 0 : h0, 0, 0],
      [tb === 1 ? 1 : b1 - b0, th === 1 ? 1 : h1 - h0, rows, cols],
    );
    return tf.reshape(tf.broadcastTo(piece, [b1 - b0, h1 - h0, rows, cols]), [
      group.end - group.start,
      rows,
      cols,
    ]);
  });
}

/** The last two axes of t [G, N, M] swapped: [G, M, N]. */
export function swapLastAxes(t: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(t, [0, 2, 1]) as tf.Tensor3D;
}

/**
 * Per-group results [slices of the group, …] in slice order, concatenated and reshaped to `shape` (e.g. back to
 * [B, H, N, p]); the pieces are disposed.
 */
export function joinGroups(
  parts: tf.Tensor[],
  shape: readonly [number, number, number, number],
): tf.Tensor4D {
  const joined = tf.tidy(() => tf.reshape(tf.concat(parts, 0), [...shape]));
  tf.dispose(parts);
  return joined as tf.Tensor4D;
}
