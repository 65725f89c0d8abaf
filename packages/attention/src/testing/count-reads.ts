import type * as tf from '@tensorflow/tfjs-core';

/**
 * Counts the calls of `tensor.dataSync()` from now on (each one a device readback on a GPU backend): returns a
 * function giving the count so far. For tests of "reads each tensor once" caches.
 */
export function countDataSyncReads(tensor: tf.Tensor): () => number {
  let reads = 0;
  const original = tensor.dataSync.bind(tensor);
  tensor.dataSync = (() => {
    reads++;
    return original();
  }) as typeof tensor.dataSync;
  return () => reads;
}
