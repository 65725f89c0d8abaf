import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';

/** Float32 elements of each tensor-like and the total; throws for weights that are not float32. */
export function layout(weights: { shape: readonly (number | null)[]; dtype: string; name: string }[]): {
  sizes: number[];
  offsets: number[];
  total: number;
} {
  const sizes: number[] = [];
  const offsets: number[] = [];
  let total = 0;
  for (const w of weights) {
    if (w.dtype !== 'float32')
      throw new Error(`data-parallel training needs float32 weights; '${w.name}' is ${w.dtype}`);
    const size = w.shape.reduce<number>((a, b) => a * (b ?? NaN), 1);
    offsets.push(total);
    sizes.push(size);
    total += size;
  }
  return { sizes, offsets, total };
}

/** Copies the values of `tensors` into `target` at the layout's offsets. */
export function writeTensors(tensors: tf.Tensor[], target: Float32Array, offsets: number[]): void {
  tensors.forEach((t, i) => target.set(t.dataSync() as Float32Array, offsets[i]));
}

/** sha-256 of the values of `tensors`, in order: replicas with equal checksums hold bit-identical weights. */
export function weightsChecksum(tensors: tf.Tensor[]): string {
  const hash = createHash('sha256');
  for (const t of tensors) {
    const v = t.dataSync() as Float32Array;
    hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return hash.digest('hex');
}
