import type * as tf from '@tensorflow/tfjs-core';

/**
 * Data of id tensors already checked, per vocabulary size. tfjs data are immutable, so ids are read once: repeated
 * calls with the same tensor (train steps on one batch, a gradient's recomputation) would otherwise read them back
 * from the GPU once a kernel has uploaded them — a synchronous readback that stalls the GPU and destroys the device on
 * Chromium's SwiftShader WebGPU (docs/upstream/webgpu-sync-readback.md).
 */
const checkedIds = new WeakMap<object, number>();

/**
 * Checks token ids (the input named `input`, default 'token_ids') before a lookup: every id must be an integer in [0, vocabSize). Float tensors holding integers
 * (e.g. 3.0) are accepted; 2.5, NaN, ±Infinity, negative ids and ids ≥ vocabSize are errors that name the input
 * (`token_ids`), the first offending position and value, and the vocabulary size. Without this check tfjs would cast
 * 2.5 to 2 silently and report an out-of-range id only through its GatherV2 kernel message.
 *
 * Reads the ids back synchronously (`dataSync`): a few bytes per token, negligible beside the model on CPU and wasm;
 * on WebGL it is one small readback per call. Each tensor's data is read once per vocabulary size (or smaller).
 *
 * @throws RangeError naming `owner`, `token_ids`, the position, the value and `vocabSize`.
 */
export function checkTokenIds(ids: tf.Tensor, vocabSize: number, owner: string, input = 'token_ids'): void {
  const checkedFor = checkedIds.get(ids.dataId);
  if (checkedFor !== undefined && checkedFor <= vocabSize) return;
  const values = ids.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isInteger(v) && v >= 0 && v < vocabSize) continue;
    const what = Number.isInteger(v)
      ? `${v} (out of range)`
      : Number.isNaN(v)
        ? 'NaN'
        : `${v} (not an integer)`;
    throw new RangeError(
      `${owner}: '${input}' must hold integers in [0, ${vocabSize}) (vocabSize ${vocabSize}), got ${what} at ` +
        `[${position(i, ids.shape).join(', ')}] of a ${ids.dtype} tensor of shape [${ids.shape.join(', ')}]`,
    );
  }
  checkedIds.set(ids.dataId, Math.min(checkedFor ?? vocabSize, vocabSize));
}

/** Flat index → multi-index of `shape` (row-major). */
function position(flat: number, shape: number[]): number[] {
  const index: number[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    index.unshift(size === 0 ? 0 : flat % size);
    flat = size === 0 ? 0 : Math.floor(flat / size);
  }
  return index;
}
