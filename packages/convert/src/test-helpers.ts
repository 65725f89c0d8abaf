import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { readSafetensors, type SafetensorsContent } from './safetensors.js';
import type { TensorData } from './tensor-data.js';

/** packages/convert/fixtures (written by tools/fixtures/make_convert_fixtures.py). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function fixtureBytes(name: string): Uint8Array {
  const b = readFileSync(join(FIXTURES, name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The input/output file of a fixture: tensors plus the PyTorch config in the metadata. */
export function fixtureIO(name: string): SafetensorsContent & { config: Record<string, unknown> } {
  const content = readSafetensors(fixtureBytes(`${name}.io.safetensors`));
  return { ...content, config: JSON.parse(content.metadata.config ?? '{}') as Record<string, unknown> };
}

/** max |a − b| / max |b|: the relative error of a float32 result against the PyTorch reference. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

/** NCHW → NHWC. */
export function nchwToNhwc(data: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < n!; a++)
    for (let ch = 0; ch < c!; ch++)
      for (let y = 0; y < h!; y++)
        for (let x = 0; x < w!; x++)
          out[((a * h! + y) * w! + x) * c! + ch] = data[((a * c! + ch) * h! + y) * w! + x]!;
  return out;
}

/**
 * The model's output on a fixture input as PyTorch stored it: an image batch [N, C, H, W] (fed NHWC) or int64 token
 * ids [B, T] (fed as int32). Call inside `tf.tidy`.
 */
export function predictFixture(model: LayersModel, input: TensorData): tf.Tensor {
  if (input.data instanceof BigInt64Array) {
    const ids = Int32Array.from(input.data, Number);
    return model.predict(tf.tensor2d(ids, input.shape as [number, number], 'int32')) as tf.Tensor;
  }
  const [n, c, h, w] = input.shape as [number, number, number, number];
  const image = nchwToNhwc(input.data as Float32Array, input.shape);
  return model.predict(tf.tensor4d(image, [n, h, w, c])) as tf.Tensor;
}
