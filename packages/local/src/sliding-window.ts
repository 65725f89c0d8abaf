import * as tf from '@tensorflow/tfjs-core';

/** Smallest block of queries: tiny windows still get blocks of this many queries (fewer, larger products). */
const MIN_BLOCK = 16;

/**
 * How a sequence of `length` tokens is cut for a sliding window of `window` tokens each side: queries in blocks of
 * `size`; block t meets key blocks t − `reach` … t (+ `reach` when not causal), which hold every key within the
 * window because size ≥ window (or there is one block only, reach 0). `keys` = key slots per block.
 */
export interface BlockPlan {
  size: number;
  blocks: number;
  reach: number;
  keys: number;
}

export function planBlocks(length: number, window: number, causal: boolean): BlockPlan {
  const size = Math.min(Math.max(window, MIN_BLOCK), length);
  const blocks = Math.ceil(length / size);
  const reach = blocks > 1 ? 1 : 0;
  return { size, blocks, reach, keys: (causal ? reach + 1 : 2 * reach + 1) * size };
}

/** Queries [G, L, p] → blocks [G, blocks, size, p] (zero-padded at the end). */
export function queryBlocks(t: tf.Tensor3D, plan: BlockPlan): tf.Tensor4D {
  const [groups, length, p] = t.shape;
  return tf.tidy(() =>
    tf.reshape(
      tf.pad(t, [
        [0, 0],
        [0, plan.blocks * plan.size - length],
        [0, 0],
      ]),
      [groups, plan.blocks, plan.size, p],
    ),
  );
}

/** Inverse of `queryBlocks` for the outputs: [G, blocks, size, p] → [G, length, p]. */
export function fromQueryBlocks(t: tf.Tensor4D, length: number): tf.Tensor3D {
  const [groups, blocks, size, p] = t.shape;
  return tf.tidy(
    () => tf.slice(tf.reshape(t, [groups, blocks * size, p]), [0, 0, 0], [groups, length, p]) as tf.Tensor3D,
  );
}

/** Key blocks before the first query block (`reach`) and after the last (`reach`, or 0 when causal). */
export function keyBlockMargins(plan: BlockPlan, causal: boolean): { before: number; after: number } {
  return { before: plan.reach, after: causal ? 0 : plan.reach };
}

/**
 * Keys or values [G, L, c] (or the [G, L, 1] real-key mask) → blocks [G, before + blocks + after, size, c], zero
 * outside the sequence: query block t meets key blocks t … t + before + after of this tensor (key slot c of those,
 * side by side, is position (t − before)·size + c). Mark the zero slots padded through the mask, which is 0 there.
 */
export function keyBlocks(t: tf.Tensor3D, plan: BlockPlan, causal: boolean): tf.Tensor4D {
  const [groups, length, c] = t.shape;
  const { before, after } = keyBlockMargins(plan, causal);
  const total = before + plan.blocks + after;
  return tf.tidy(() =>
    tf.reshape(
      tf.pad(t, [
        [0, 0],
        [before * plan.size, (plan.blocks + after) * plan.size - length],
        [0, 0],
      ]),
      [groups, total, plan.size, c],
    ),
  );
}

/** The adjoint of `keyBlocks` (for gradients): [G, T, size, c] → [G, length, c], dropping the margins. */
export function fromKeyBlocks(t: tf.Tensor4D, plan: BlockPlan, causal: boolean, length: number): tf.Tensor3D {
  const [groups, total, size, c] = t.shape;
  const { before } = keyBlockMargins(plan, causal);
  return tf.tidy(
    () => tf.slice(tf.reshape(t, [groups, total * size, c]), [0, before * size, 0], [groups, length, c]) as tf.Tensor3D,
  );
}

/**
 * Bool [size, keys]: query slot a of a block may see key slot c when the tokens are at most `window` apart
 * (|i − j| ≤ w with i − j = a − c + reach·size) and, when causal, the key is not in the future (i − j ≥ 0).
 */
export function bandAllowed(plan: BlockPlan, window: number, causal: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const a = tf.reshape(tf.range(0, plan.size, 1, 'int32'), [plan.size, 1]);
    const c = tf.reshape(tf.range(0, plan.keys, 1, 'int32'), [1, plan.keys]);
    const offset = tf.add(tf.sub(a, c), plan.reach * plan.size); // i − j
    const near = tf.lessEqual(tf.abs(offset), window);
    return (causal ? tf.logicalAnd(near, tf.greaterEqual(offset, 0)) : near) as tf.Tensor2D;
  });
}
